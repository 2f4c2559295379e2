#!/usr/bin/env bash
# Rebuilds samples/*.pdf from samples/src with real producers. The PDFs are committed; run this only
# to regenerate them. Needs: libreoffice (Writer), ghostscript, qpdf, python3 with fpdf2, reportlab, Pillow.
set -euo pipefail
cd "$(dirname "$0")/../samples"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# LibreOffice Writer: the decision (Quyết định) and the official letter (Công văn), from HTML.
soffice --headless --convert-to pdf:writer_pdf_Export --outdir "$tmp" src/decision.html src/official-letter.html \
    src/decision-right.html src/decision-dots.html >/dev/null
cp "$tmp/decision.pdf" "$tmp/decision-right.pdf" "$tmp/decision-dots.pdf" .
# Ghostscript pdfwrite re-distils the letter: a different producer, its own object layout.
gs -q -dNOPAUSE -dBATCH -dSAFER -sDEVICE=pdfwrite -dCompatibilityLevel=1.7 -sOutputFile=official-letter.pdf "$tmp/official-letter.pdf"
# qpdf: the decision rewritten with object streams and a cross-reference stream (PDF 1.5+ layout).
qpdf --object-streams=generate decision.pdf decision-objstm.pdf
# fpdf2: a three-page report with a chart image.
python3 src/report.py report.pdf "$tmp/chart.png"
# reportlab: a commune's notice.
python3 src/notice.py notice.pdf
# reportlab: a decision whose number is a form field for the clerk.
python3 src/decision-field.py decision-field.pdf
ls -l *.pdf
