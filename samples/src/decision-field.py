"""Makes samples/decision-field.pdf with reportlab: a decision whose number is a form field.

The drafter's template leaves the number to the clerk in a text field named SoVanBan after "Số:";
the date is typed as a placeholder ("ngày … tháng … năm 2024")."""
import sys
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

pdfmetrics.registerFont(TTFont("DejaVuSerif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"))
pdfmetrics.registerFont(TTFont("DejaVuSerifB", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"))
c = canvas.Canvas(sys.argv[1], pagesize=A4)
w, h = A4
c.setFont("DejaVuSerifB", 12)
c.drawCentredString(w * 0.25, h - 60, "ỦY BAN NHÂN DÂN")
c.drawCentredString(w * 0.25, h - 76, "HUYỆN ĐỒNG PHÚ")
c.drawCentredString(w * 0.65, h - 60, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
c.drawCentredString(w * 0.65, h - 76, "Độc lập - Tự do - Hạnh phúc")
c.setFont("DejaVuSerif", 13)
c.drawString(w * 0.25 - 60, h - 100, "Số:")
c.acroForm.textfield(name="SoVanBan", x=w * 0.25 - 34, y=h - 104, width=110, height=17, borderWidth=0,
                     fontName="Helvetica", fontSize=0, value="", fillColor=None, tooltip="Số và ký hiệu")
c.drawCentredString(w * 0.65, h - 100, "Đồng Phú, ngày …… tháng …… năm 2024")
c.setFont("DejaVuSerifB", 14)
c.drawCentredString(w / 2, h - 150, "QUYẾT ĐỊNH")
c.drawCentredString(w / 2, h - 168, "Về việc giao chỉ tiêu ký số văn bản năm 2024")
c.setFont("DejaVuSerif", 12)
lines = ["Điều 1. Giao chỉ tiêu: 90% văn bản điện tử do cấp huyện ban hành được ký số.",
         "Điều 2. Văn phòng HĐND và UBND huyện theo dõi, báo cáo hằng quý.",
         "Điều 3. Quyết định này có hiệu lực kể từ ngày ký."]
for i, line in enumerate(lines):
    c.drawString(72, h - 210 - i * 20, line)
c.setFont("DejaVuSerifB", 12)
c.drawCentredString(w * 0.7, h - 320, "CHỦ TỊCH")
c.drawCentredString(w * 0.7, h - 400, "Nguyễn Văn An")
c.save()
