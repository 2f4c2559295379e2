# Builds samples/units/binh-phuoc-binh-duong-binh-thuan.csv: the 2024 GSO lists of three provinces (before the
# 2025 reform) and an illustrative sample of the units after it. Usage: make-unit-samples.py OUT.csv
import csv, sys
PRE_TO = "2025-06-30"; POST_FROM = "2025-07-01"; START = "2020-01-01"
provinces = {
 "70": ("Tỉnh Bình Phước", [
  ("690","Thị xã Bình Long","P:25324 An Lộc;P:25320 Hưng Chiến;P:25326 Phú Đức;P:25325 Phú Thịnh;X:25333 Thanh Lương;X:25336 Thanh Phú"),
  ("696","Huyện Bù Đăng","X:25404 Bình Minh;X:25405 Bom Bo;X:25399 Đak Nhau;X:25426 Đăng Hà;X:25411 Đoàn Kết;X:25414 Đồng Nai;X:25417 Đức Liễu;T:25396 Đức Phong;X:25398 Đường 10;X:25408 Minh Hưng;X:25424 Nghĩa Bình;X:25423 Nghĩa Trung;X:25400 Phú Sơn;X:25429 Phước Sơn;X:25402 Thọ Sơn;X:25420 Thống Nhất"),
  ("693","Huyện Bù Đốp","X:25309 Hưng Phước;X:25310 Phước Thiện;X:25318 Tân Thành;X:25321 Tân Tiến;T:25308 Thanh Bình;X:25315 Thanh Hòa;X:25312 Thiện Hưng"),
  ("691","Huyện Bù Gia Mập","X:25234 Bình Thắng;X:25222 Bù Gia Mập;X:25231 Đa Kia;X:25225 Đak Ơ;X:25228 Đức Hạnh;X:25267 Phú Nghĩa;X:25229 Phú Văn;X:25232 Phước Minh"),
  ("697","Huyện Chơn Thành","T:25432 Chơn Thành;X:25441 Minh Hưng;X:25435 Minh Lập;X:25444 Minh Long;X:25453 Minh Thắng;X:25447 Minh Thành;X:25450 Nha Bích;X:25439 Quang Minh;X:25433 Thành Tâm"),
  ("695","Huyện Đồng Phú","X:25369 Đồng Tâm;X:25390 Đồng Tiến;X:25384 Tân Hòa;X:25375 Tân Hưng;X:25381 Tân Lập;X:25378 Tân Lợi;T:25363 Tân Phú;X:25372 Tân Phước;X:25393 Tân Tiến;X:25366 Thuận Lợi;X:25387 Thuận Phú"),
  ("689","Thành phố Đồng Xoài","P:25201 Tân Bình;P:25198 Tân Đồng;P:25195 Tân Phú;X:25207 Tân Thành;P:25205 Tân Thiện;P:25204 Tân Xuân;X:25213 Tiến Hưng;P:25210 Tiến Thành"),
  ("694","Huyện Hớn Quản","X:25330 An Khương;X:25339 An Phú;X:25360 Đồng Nơ;X:25348 Minh Đức;X:25349 Minh Tâm;X:25351 Phước An;X:25361 Tân Hiệp;X:25345 Tân Hưng;T:25357 Tân Khai;X:25342 Tân Lợi;X:25438 Tân Quan;X:25327 Thanh An;X:25354 Thanh Bình"),
  ("692","Huyện Lộc Ninh","X:25276 Lộc An;X:25300 Lộc Điền;X:25282 Lộc Hiệp;X:25273 Lộc Hòa;X:25303 Lộc Hưng;X:25306 Lộc Khánh;T:25270 Lộc Ninh;X:25292 Lộc Phú;X:25291 Lộc Quang;X:25279 Lộc Tấn;X:25297 Lộc Thái;X:25280 Lộc Thạnh;X:25294 Lộc Thành;X:25285 Lộc Thiện;X:25305 Lộc Thịnh;X:25288 Lộc Thuận"),
  ("698","Huyện Phú Riềng","X:25244 Bình Sơn;X:25243 Bình Tân;X:25252 Bù Nho;X:25240 Long Bình;X:25255 Long Hà;X:25246 Long Hưng;X:25258 Long Tân;X:25264 Phú Riềng;X:25261 Phú Trung;X:25250 Phước Tân"),
  ("688","Thị xã Phước Long","X:25245 Long Giang;P:25220 Long Phước;P:25217 Long Thủy;P:25219 Phước Bình;X:25249 Phước Tín;P:25237 Sơn Giang;P:25216 Thác Mơ"),
 ]),
 "74": ("Tỉnh Bình Dương", [
  ("726","Huyện Bắc Tân Uyên","X:25897 Bình Mỹ;X:25907 Đất Cuốc;X:25908 Hiếu Liêm;X:25909 Lạc An;T:25900 Tân Bình;X:25894 Tân Định;X:25903 Tân Lập;X:25918 Tân Mỹ;T:25906 Tân Thành;X:25927 Thường Tân"),
  ("719","Huyện Bàu Bàng","X:25819 Cây Trường II;X:25831 Hưng Hòa;X:25834 Lai Hưng;T:25822 Lai Uyên;X:25828 Long Nguyên;X:25825 Tân Hưng;X:25816 Trừ Văn Thố"),
  ("721","Thị xã Bến Cát","X:25840 An Điền;X:25843 An Tây;P:25837 Chánh Phú Hòa;P:25849 Hòa Lợi;P:25813 Mỹ Phước;X:25855 Phú An;P:25852 Tân Định;P:25846 Thới Hòa"),
  ("720","Huyện Dầu Tiếng","X:25801 An Lập;T:25777 Dầu Tiếng;X:25789 Định An;X:25798 Định Hiệp;X:25795 Định Thành;X:25792 Long Hoà;X:25804 Long Tân;X:25780 Minh Hoà;X:25786 Minh Tân;X:25783 Minh Thạnh;X:25807 Thanh An;X:25810 Thanh Tuyền"),
  ("724","Thành phố Dĩ An","P:25960 An Bình;P:25951 Bình An;P:25954 Bình Thắng;P:25942 Dĩ An;P:25957 Đông Hòa;P:25945 Tân Bình;P:25948 Tân Đông Hiệp"),
  ("722","Huyện Phú Giáo","X:25870 An Bình;X:25861 An Linh;X:25867 An Long;X:25865 An Thái;X:25885 Phước Hoà;X:25864 Phước Sang;T:25858 Phước Vĩnh;X:25876 Tam Lập;X:25873 Tân Hiệp;X:25879 Tân Long;X:25882 Vĩnh Hoà"),
  ("723","Thị xã Tân Uyên","X:25930 Bạch Đằng;P:25915 Hội Nghĩa;P:25921 Khánh Bình;P:25924 Phú Chánh;P:25920 Tân Hiệp;P:25891 Tân Phước Khánh;P:25933 Tân Vĩnh Hiệp;P:25939 Thái Hòa;X:25937 Thạnh Hội;P:25936 Thạnh Phước;P:25888 Uyên Hưng;P:25912 Vĩnh Tân"),
  ("718","Thành phố Thủ Dầu Một","P:25774 Chánh Mỹ;P:25756 Chánh Nghĩa;P:25759 Định Hoà;P:25768 Hiệp An;P:25741 Hiệp Thành;P:25760 Hoà Phú;P:25747 Phú Cường;P:25750 Phú Hòa;P:25744 Phú Lợi;P:25762 Phú Mỹ;P:25763 Phú Tân;P:25753 Phú Thọ;P:25765 Tân An;P:25771 Tương Bình Hiệp"),
  ("725","Thành phố Thuận An","P:25975 An Phú;X:25981 An Sơn;P:25963 An Thạnh;P:25969 Bình Chuẩn;P:25987 Bình Hòa;P:25984 Bình Nhâm;P:25978 Hưng Định;P:25966 Lái Thiêu;P:25972 Thuận Giao;P:25990 Vĩnh Phú"),
 ]),
 "60": ("Tỉnh Bình Thuận", [
  ("596","Huyện Bắc Bình","X:23014 Bình An;X:23047 Bình Tân;T:23005 Chợ Lầu;X:23020 Hải Ninh;X:23053 Hòa Thắng;X:23056 Hồng Phong;X:23041 Hồng Thái;T:23032 Lương Sơn;X:23017 Phan Điền;X:23044 Phan Hiệp;X:23035 Phan Hòa;X:23011 Phan Lâm;X:23050 Phan Rí Thành;X:23008 Phan Sơn;X:23038 Phan Thanh;X:23026 Phan Tiến;X:23029 Sông Bình;X:23023 Sông Lũy"),
  ("600","Huyện Đức Linh","X:23197 Đa Kai;X:23224 Đông Hà;X:23212 Đức Hạnh;T:23194 Đức Tài;X:23215 Đức Tín;X:23203 Mê Pu;X:23206 Nam Chính;X:23200 Sùng Nhơn;X:23221 Tân Hà;X:23227 Trà Tân;T:23191 Võ Xu;X:23218 Vũ Hoà"),
  ("601","Huyện Hàm Tân","X:23266 Sơn Mỹ;X:23239 Sông Phan;X:23251 Tân Đức;X:23257 Tân Hà;T:23230 Tân Minh;T:23236 Tân Nghĩa;X:23242 Tân Phúc;X:23254 Tân Thắng;X:23260 Tân Xuân;X:23255 Thắng Hải"),
  ("597","Huyện Hàm Thuận Bắc","X:23107 Đa Mi;X:23074 Đông Giang;X:23068 Đông Tiến;X:23098 Hàm Chính;X:23092 Hàm Đức;X:23101 Hàm Hiệp;X:23095 Hàm Liêm;X:23077 Hàm Phú;X:23104 Hàm Thắng;X:23089 Hàm Trí;X:23080 Hồng Liêm;X:23086 Hồng Sơn;X:23065 La Dạ;T:23059 Ma Lâm;T:23062 Phú Long;X:23071 Thuận Hòa;X:23083 Thuận Minh"),
  ("598","Huyện Hàm Thuận Nam","X:23116 Hàm Cần;X:23128 Hàm Cường;X:23125 Hàm Kiệm;X:23137 Hàm Minh;X:23131 Hàm Mỹ;X:23122 Hàm Thạnh;X:23119 Mương Mán;X:23113 Mỹ Thạnh;X:23134 Tân Lập;X:23146 Tân Thành;X:23143 Tân Thuận;T:23110 Thuận Nam;X:23140 Thuận Quí"),
  ("594","Thị xã La Gi","P:23237 Bình Tân;P:23231 Phước Hội;P:23232 Phước Lộc;P:23235 Tân An;X:23248 Tân Bình;X:23245 Tân Hải;X:23268 Tân Phước;P:23234 Tân Thiện;X:23246 Tân Tiến"),
  ("593","Thành phố Phan Thiết","P:22939 Bình Hưng;P:22954 Đức Long;P:22942 Đức Nghĩa;P:22948 Đức Thắng;P:22918 Hàm Tiến;P:22951 Hưng Long;P:22945 Lạc Đạo;P:22915 Mũi Né;X:22960 Phong Nẫm;P:22921 Phú Hài;P:22927 Phú Tài;P:22924 Phú Thủy;P:22930 Phú Trinh;P:22936 Thanh Hải;X:22957 Thiện Nghiệp;X:22963 Tiến Lợi;X:22966 Tiến Thành;P:22933 Xuân An"),
  ("602","Huyện Phú Quí","X:23275 Long Hải;X:23272 Ngũ Phụng;X:23278 Tam Thanh"),
  ("599","Huyện Tánh Linh","X:23152 Bắc Ruộng;X:23173 Đồng Kho;X:23179 Đức Bình;X:23170 Đức Phú;X:23185 Đức Thuận;X:23176 Gia An;X:23182 Gia Huynh;X:23164 Huy Khiêm;X:23161 La Ngâu;T:23149 Lạc Tánh;X:23167 Măng Tố;X:23158 Nghị Đức;X:23188 Suối Kiết"),
  ("595","Huyện Tuy Phong","X:22999 Bình Thạnh;X:22996 Chí Công;X:22993 Hòa Minh;T:22969 Liên Hương;X:22975 Phan Dũng;T:22972 Phan Rí Cửa;X:22978 Phong Phú;X:22987 Phú Lạc;X:22990 Phước Thể;X:22981 Vĩnh Hảo;X:22984 Vĩnh Tân"),
 ]),
}
kinds = {"X": "Xã", "P": "Phường", "T": "Thị trấn"}
# Province-level issuing bodies (not GSO-coded): the provincial People's Committee office and departments.
departments = [("VP", "Văn phòng UBND"), ("SNV", "Sở Nội vụ"), ("STC", "Sở Tài chính"), ("SKHCN", "Sở Khoa học và Công nghệ")]
# After 1 July 2025 (Resolution 202/2025/QH15): Bình Phước joins Đồng Nai, Bình Dương joins Hồ Chí Minh City,
# Bình Thuận joins Lâm Đồng; districts are abolished. A sample of merged communes in each former province,
# each keeping the code of one of the communes it absorbed (illustrative: replace with the official list).
post = {
 "75": ("Tỉnh Đồng Nai", "70", [("25195","Phường Đồng Xoài"),("25210","Phường Bình Phước"),("25432","Phường Chơn Thành"),("25441","Phường Minh Hưng"),("25324","Phường Bình Long"),("25320","Phường An Lộc"),("25219","Phường Phước Bình"),("25217","Phường Phước Long"),("25270","Xã Lộc Ninh"),("25396","Xã Bù Đăng"),("25308","Xã Bù Đốp"),("25264","Xã Phú Riềng"),("25363","Xã Đồng Phú"),("25357","Xã Tân Khai")]),
 "79": ("Thành phố Hồ Chí Minh", "74", [("25747","Phường Thủ Dầu Một"),("25942","Phường Dĩ An"),("25966","Phường Lái Thiêu"),("25813","Phường Bến Cát"),("25888","Phường Tân Uyên"),("25777","Xã Dầu Tiếng"),("25858","Xã Phú Giáo"),("25822","Xã Bàu Bàng")]),
 "68": ("Tỉnh Lâm Đồng", "60", [("22930","Phường Phan Thiết"),("22915","Phường Mũi Né"),("23231","Phường La Gi"),("23005","Xã Bắc Bình"),("22969","Xã Liên Hương"),("23194","Xã Đức Linh"),("23149","Xã Tánh Linh"),("23272","Đặc khu Phú Quý")]),
}
w = csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\n")
w.writerow(["code","name","level","parent_code","valid_from","valid_to"])
for pcode, (pname, districts) in provinces.items():
    w.writerow([pcode, pname, "province", "", START, PRE_TO])
    for dc, dn in departments:
        w.writerow([f"{pcode}-{dc}", f"{dn} {pname[5:] if pname.startswith('Tỉnh ') else pname}", "province", pcode, START, PRE_TO])
    for dcode, dname, communes in districts:
        w.writerow([dcode, dname, "district", pcode, START, PRE_TO])
        for c in communes.split(";"):
            k, rest = c.split(":"); code, name = rest.split(" ", 1)
            w.writerow([code, f"{kinds[k]} {name}", "commune", dcode, START, PRE_TO])
for pcode, (pname, old, communes) in post.items():
    w.writerow([pcode, pname, "province", "", POST_FROM, ""])
    for dc, dn in departments:
        w.writerow([f"{pcode}-{dc}", f"{dn} {pname[5:] if pname.startswith('Tỉnh ') else pname}", "province", pcode, POST_FROM, ""])
    for code, name in communes:
        w.writerow([code, name, "commune", pcode, POST_FROM, ""])
