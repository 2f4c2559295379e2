"""Makes samples/report.pdf with fpdf2: a multi-page provincial report in Vietnamese with a chart image."""
import sys
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
out, chart_path = sys.argv[1], sys.argv[2]

# A bar chart of signing rates per level, drawn with Pillow.
img = Image.new("RGB", (900, 480), "white")
d = ImageDraw.Draw(img)
font = ImageFont.truetype(FONT, 22)
levels = [("Tỉnh", 100, 100), ("Huyện", 90, 90), ("Xã", 85, 85)]
for i, (name, rate, target) in enumerate(levels):
    x = 120 + i * 260
    d.rectangle([x, 420 - rate * 3.6, x + 120, 420], fill=(30, 90, 180))
    d.text((x + 20, 430), name, fill="black", font=font)
    d.text((x + 25, 420 - rate * 3.6 - 30), f"{rate}%", fill="black", font=font)
d.line([80, 420, 880, 420], fill="black", width=2)
img.save(chart_path)

pdf = FPDF(format="A4")
pdf.add_font("DejaVu", "", FONT)
pdf.add_font("DejaVu", "B", BOLD)
pdf.set_title("Báo cáo kết quả chuyển đổi số năm 2024")
for page in range(1, 4):
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 14)
    pdf.cell(0, 10, "ỦY BAN NHÂN DÂN TỈNH BÌNH PHƯỚC", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 10, f"BÁO CÁO KẾT QUẢ CHUYỂN ĐỔI SỐ NĂM 2024 (trang {page}/3)", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    if page == 1:
        pdf.multi_cell(0, 7, "Tỷ lệ văn bản điện tử được ký số: cấp tỉnh 100%, cấp huyện 90%, cấp xã 85%. "
                       "100% đơn vị ký số văn bản trên phần mềm quản lý văn bản; 11 huyện và 111 xã đều "
                       "thực hiện chứng thực điện tử; 50.366 chữ ký số đã cấp cho người dân.", new_x="LMARGIN", new_y="NEXT")
        pdf.image(chart_path, x=20, w=170)
    else:
        for i in range(1, 25):
            pdf.multi_cell(0, 7, f"{(page - 2) * 24 + i}. Đơn vị số {i}: đã triển khai hệ thống quản lý văn bản "
                           "và điều hành, ký số văn bản đi, tiếp nhận văn bản đến qua trục liên thông.", new_x="LMARGIN", new_y="NEXT")
pdf.output(out)
