"""Makes samples/notice.pdf with reportlab: a commune's notice (Thông báo) in Vietnamese."""
import sys
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
pdfmetrics.registerFont(TTFont("DejaVuB", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))
c = canvas.Canvas(sys.argv[1], pagesize=A4)
w, h = A4
c.setFont("DejaVuB", 12)
c.drawCentredString(w * 0.25, h - 60, "ỦY BAN NHÂN DÂN")
c.drawCentredString(w * 0.25, h - 76, "XÃ TÂN LẬP")
c.drawCentredString(w * 0.65, h - 60, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
c.drawCentredString(w * 0.65, h - 76, "Độc lập - Tự do - Hạnh phúc")
c.setFont("DejaVu", 11)
c.drawCentredString(w * 0.25, h - 96, "Số: 89/TB-UBND")
c.drawCentredString(w * 0.65, h - 96, "Tân Lập, ngày 02 tháng 7 năm 2024")
c.setFont("DejaVuB", 14)
c.drawCentredString(w / 2, h - 140, "THÔNG BÁO")
c.setFont("DejaVu", 12)
lines = ["Về lịch tiếp công dân và tiếp nhận hồ sơ trực tuyến tháng 7 năm 2024.",
         "Ủy ban nhân dân xã Tân Lập thông báo: bộ phận một cửa tiếp nhận hồ sơ trực tuyến",
         "qua Cổng dịch vụ công quốc gia từ thứ Hai đến thứ Sáu hằng tuần.",
         "Công dân có thể nộp hồ sơ, nhận kết quả điện tử đã được ký số."]
for i, line in enumerate(lines):
    c.drawString(72, h - 180 - i * 20, line)
c.setFont("DejaVuB", 12)
c.drawCentredString(w * 0.7, h - 300, "CHỦ TỊCH")
c.drawCentredString(w * 0.7, h - 380, "Lê Văn Cường")
c.save()
