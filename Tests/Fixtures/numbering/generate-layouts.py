"""Generates decision headings in many layouts (reportlab), for the number-line tests.

Each variant combines a placeholder form, the spelling of "Số:", how the line is split into text
objects, the font, size and colour, where the date is, and optionally a decoy "Số:" line that a
reader cannot see (white, render mode 3, 2 pt, off the page) placed above the real one. Writes
<dir>/<name>.pdf and <dir>/manifest.json: per variant the real number line's and date line's
baselines, and the placeholder text that must disappear.

usage: generate-layouts.py DIR"""
import itertools
import json
import sys
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS = {"serif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
         "sans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}
for name, path in FONTS.items():
    pdfmetrics.registerFont(TTFont(name, path))

PLACEHOLDERS = ["1234/QĐ-UBND", "......./QĐ-UBND", "………/QĐ-UBND", "       /QĐ-UBND", "____/QĐ-UBND"]
LABELS = ["Số:", "Số :", "SỐ:"]
SPLITS = ["one", "words", "chars"]          # one text object, one per word, one per character
DATES = ["next-line", "same-line"]          # the place-and-date line below, or on the number's baseline
DECOYS = [None, "white", "invisible", "tiny", "off-page"]
STYLES = [("serif", 13, (0, 0, 0)), ("sans", 12, (0.1, 0.1, 0.5)), ("serif", 14, (0.2, 0.2, 0.2))]


def draw(c, x, y, text, font, size, colour, split, mode=0, char_space=0):
    if split == "one":
        pieces = [(0, text)]
    elif split == "words":
        pieces, offset = [], 0
        for word in text.split(" "):
            pieces.append((offset, word))
            offset += pdfmetrics.stringWidth(word + " ", font, size)
    else:
        pieces, offset = [], 0
        for ch in text:
            pieces.append((offset, ch))
            offset += pdfmetrics.stringWidth(ch, font, size)
    c.saveState()  # the render mode is graphics state: it must not leak into what follows
    for dx, piece in pieces:
        t = c.beginText(x + dx, y)
        t.setFont(font, size)
        t.setFillColorRGB(*colour)
        t.setTextRenderMode(mode)
        t.setCharSpace(char_space)
        t.textOut(piece)
        c.drawText(t)
    c.restoreState()


def variant(c, placeholder, label, split, date, decoy, style):
    font, size, colour = style
    w, h = A4
    c.setFont(font, 12)
    c.drawCentredString(w * 0.25, h - 60, "ỦY BAN NHÂN DÂN")
    c.drawCentredString(w * 0.25, h - 76, "TỈNH BÌNH PHƯỚC")
    c.drawCentredString(w * 0.68, h - 60, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(w * 0.68, h - 76, "Độc lập - Tự do - Hạnh phúc")
    if decoy == "white":
        draw(c, 60, h - 88, "Số: 999/QĐ-UBND", font, size, (1, 1, 1), "one")
    elif decoy == "invisible":
        draw(c, 60, h - 88, "Số: 999/QĐ-UBND", font, size, (0, 0, 0), "one", mode=3)
    elif decoy == "tiny":
        draw(c, 60, h - 88, "Số: 999/QĐ-UBND", font, 2, (0, 0, 0), "one")
    elif decoy == "off-page":
        draw(c, 60, h + 40, "Số: 999/QĐ-UBND", font, size, (0, 0, 0), "one")
    number_y = h - 100
    draw(c, 60, number_y, f"{label} {placeholder}", font, size, colour, split)
    date_text = "Đồng Xoài, ngày …… tháng …… năm 2024"
    date_y = number_y if date == "same-line" else number_y - 20
    draw(c, w * 0.48 if date == "same-line" else w * 0.45, date_y, date_text, font, size, colour, split)
    c.setFont(font, 14)
    c.drawCentredString(w / 2, h - 160, "QUYẾT ĐỊNH")
    c.setFont(font, 12)
    c.drawString(72, h - 200, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;")
    c.drawString(72, h - 220, "Điều 1. Hồ sơ số: 12 được chuyển về Văn phòng.")
    c.drawCentredString(w * 0.7, h - 320, "CHỦ TỊCH")
    c.drawCentredString(w * 0.7, h - 400, "Nguyễn Văn An")
    return number_y, date_y


def main():
    out = sys.argv[1]
    manifest = []
    combos = list(itertools.product(PLACEHOLDERS, LABELS, SPLITS, DATES, DECOYS, STYLES))
    # Every 7th combination (7 is prime to every dimension's size): each value of each dimension
    # appears, in a spread of combinations, at a seventh of the cost.
    chosen = combos[::7]
    for i, (placeholder, label, split, date, decoy, style) in enumerate(chosen):
        name = f"layout-{i:03d}"
        c = canvas.Canvas(f"{out}/{name}.pdf", pagesize=A4)
        number_y, date_y = variant(c, placeholder, label, split, date, decoy, style)
        c.save()
        manifest.append({"file": f"{name}.pdf", "placeholder": placeholder.strip(" ").lstrip(), "label": label,
                         "split": split, "date": date, "decoy": decoy, "font": style[0], "size": style[1],
                         "numberY": number_y, "dateY": date_y})
    json.dump(manifest, open(f"{out}/manifest.json", "w"), ensure_ascii=False, indent=1)


main()
