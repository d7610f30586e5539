"""The words around a verification code, in the languages tmail's users read their mail in (data for codes.py).

Three lists, each a list of regular-expression fragments (matched case-insensitively on text whose full-width
letters and non-ASCII digits were already folded to ASCII):

- NAMES: the words that name a code the user has to type: code, passcode, PIN, OTP, one-time password, with their
  inflections and compounds, in at least ar bn cs de el en es fa fr he hi id it ja ko nl pl pt ro ru sv th tr uk vi
  zh. Split by how a word ends: Latin, Greek and Cyrillic words need a boundary (`kod` is not `kodak`); Arabic,
  Persian and Hebrew words take their one-letter prefixes (`الرمز`, `בקוד`); Chinese, Japanese, Korean, Thai and Indic
  words are matched anywhere, since those scripts do not put spaces between words.
- NOT_A_CODE: what turns a name into something else when it stands right next to it: a *tracking* code, a *postal*
  code, a *discount* code, a *product* code (`رمز المنتج`, `código de seguimiento`, `追跡コード`, `Gutscheincode`).
- NUMBER_LABELS: what makes the number right after it an order, invoice, phone or customer number.

A word belongs here when a sign-up or sign-in mail would use it; the finder's rules live in codes.py.
"""

from __future__ import annotations

# Letters of the scripts that write words with spaces between them (Latin with Vietnamese, Greek, Cyrillic): a code
# or a name glued to one of these is part of a longer word. CJK, Hangul, Thai, Arabic letters may touch a code.
LETTERS = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff"

# Words whose compounds are written as one word (de, nl, sv, da, no): Verifizierungscode, verificatiecode,
# engångskod. A compound needs 4+ letters before the code word, so that Polish `szkoda` and Czech `škoda` stay words.
COMPOUNDABLE = [r"code", r"kode", r"kod"]

# Latin, Greek and Cyrillic names, matched as whole words (with the inflections listed).
WORDS = [
    # en
    r"codes?", r"pass ?codes?", r"one[- ]time (?:pass(?:word|code)|pin|code)s?", r"temporary (?:password|code)",
    r"security code", r"otps?", r"pins?", r"2fa code", r"(?-i:TAN|mTAN)",
    r"(?:verification|security|access|login|sign-in|one-time) tokens?",
    # de, nl, sv (the compounds are in COMPOUNDABLE)
    r"einmal-?(?:passwort|kennwort|code)", r"einmaliges (?:passwort|kennwort)", r"eenmalige? (?:wachtwoord|code)",
    r"tijdelijke? wachtwoord", r"engångslösenord", r"koden", r"koder(?:na)?",
    # fr, es, pt, it, ro
    r"mot de passe (?:à usage unique|unique|temporaire)", r"c[óo]digos?", r"codic[ei]",
    r"contraseña (?:de un (?:solo|único) uso|temporal|única)", r"clave (?:de un solo uso|temporal|de acceso)",
    r"senha (?:de uso único|única|temporária|descartável)", r"password (?:monouso|temporanea|usa e getta)",
    r"cod(?:ul|ului|uri|urile|urilor)?", r"parol[ăa] (?:unic[ăa]|temporar[ăa]|de unic[ăa] folosin[țţt][ăa])",
    # pl, cs
    r"kod(?:u|em|zie|y|ów|ami|ach|om)?", r"(?:hasło jednorazowe|jednorazowe hasło|hasła jednorazowego)",
    r"kód(?:u|em|y|ů|ech)?", r"(?:jednorázové|dočasné) heslo",
    # tr: kod, kodu, kodunuz, kodunuzu, koduyla...; the one-time password is a şifre
    r"kod(?:u|un|unu|unuz|unuzu|unuzun|unuzdur|udur|la|uyla|lar|ları|larınız|a|da)?",
    r"(?:tek kullanımlık|geçici|doğrulama) şifre(?:si|niz|nizdir|nizi|yi)?",
    # id
    r"kode", r"kata sandi (?:sekali pakai|sementara)", r"sandi sekali pakai",
    # vi
    r"mã số", r"mã", r"ma\u0303", r"mật khẩu (?:dùng )?một lần", r"mật khẩu tạm thời",
    # el
    r"κωδικ(?:ός|ό|ού|οί|ών|ούς|ος|ο|ου|οι)",
    # ru, uk
    r"код(?:а|у|ом|е|ы|ов|ами|ах|і|и|ів)?", r"пин(?:-код\w*)?", r"(?:одноразов|временн|тимчасов)\w{1,4} парол\w{0,3}",
]

# Arabic, Persian and Hebrew names; each may carry a one-letter prefix (and, for Arabic, the article) and a suffix.
RTL_WORDS = [
    r"(?:[وفبلك]?ال|[وفبلك])?(?:رمز|كود)(?:ك|كم|ه|ي|ها)?",
    r"[کك]د(?:ِ|ی|های|ها|تان|ت)?",
    r"(?:[הבלומש]|וה|שה|וב|ול|מה|לה|בה)?קוד(?:ים|י|ך|כם)?",
    r"كلمة (?:ال)?مرور (?:صالحة )?(?:لمرة|للاستخدام مرة) واحدة", r"رمز (?:عبور )?یک ?بار مصرف",
    r"סיסמ(?:ה|א) (?:חד[- ]?פעמית|זמנית)",
]

# Chinese, Japanese, Korean, Thai and Indic names: no spaces between words, so no boundary.
ANYWHERE = [
    # zh-CN, zh-TW ("码" alone is too wide: 密码 password, 号码 number, 条码 barcode)
    r"验证码", r"驗證碼", r"校验码", r"校驗碼", r"确认码", r"確認碼", r"认证码", r"認證碼", r"动态码", r"動態碼",
    r"安全码", r"安全碼", r"登录码", r"登入碼", r"登錄碼", r"激活码", r"激活碼", r"启用码", r"啟用碼", r"授权码",
    r"授權碼", r"代码", r"代碼", r"一次性密码", r"一次性密碼", r"动态密码", r"動態密碼", r"临时密码", r"臨時密碼",
    r"动态口令", r"動態口令",
    # ja
    r"コード", r"ワンタイムパス(?:ワード|コード)", r"パスコード", r"認証番号", r"暗証番号", r"仮パスワード",
    # ko
    r"코드", r"인증 ?번호", r"확인 ?번호", r"일회용 ?(?:비밀번호|암호)", r"임시 ?비밀번호", r"패스코드",
    # th
    r"รหัส",
    # hi, bn
    r"कोड", r"पासकोड", r"ओटीपी", r"वन टाइम पासवर्ड", r"एक बार (?:का|के लिए) पासवर्ड",
    r"কোড", r"পাসকোড", r"ওটিপি", r"ওয়ান টাইম পাসওয়ার্ড",
]

# Right next to a name (before it, or after it with "of/de/di/do..."), these make it another kind of code.
NOT_A_CODE = [
    # en
    r"track(?:ing)?", r"postal", r"post", r"zip", r"promo(?:tion(?:al)?)?", r"discount", r"coupon", r"voucher",
    r"gift(?: card)?", r"referral", r"invit(?:e|ation)", r"product", r"item", r"article", r"sku", r"order", r"invoice",
    r"customer", r"country", r"area", r"dialing", r"bar", r"qr", r"source", r"error", r"status", r"response",
    r"http", r"swift", r"bic", r"sort", r"bank", r"tax", r"vat", r"shipment", r"shipping", r"delivery", r"parcel",
    r"package", r"dress", r"colou?r", r"booking", r"reservation", r"licen[cs]e", r"redeem", r"redemption",
    r"conduct", r"ethics", r"practice", r"pin", r"pick-?up", r"collection", r"locker",
    r"reference", r"referenz", r"référence",
    r"referencia", r"referência", r"riferimento", r"referin[țţ][ăa]",
    # de, nl, sv (also as the first part of a compound)
    r"sendungs?", r"verfolgungs?", r"gutschein", r"rabatt", r"aktions", r"produkt", r"artikel", r"bestell",
    r"kunden", r"postleit", r"länder", r"landes", r"fehler", r"strich", r"geschenk", r"paket", r"versand", r"abhol",
    r"zustell", r"bezorg", r"afhaal", r"uthämtnings", r"leverans",
    r"kortings?", r"actie", r"cadeau", r"bestel", r"klant", r"fout", r"streep", r"verzend", r"zending", r"pakket",
    r"spårnings?", r"kampanj", r"kund", r"streck", r"land", r"fel",
    # fr, es, pt, it, ro
    r"suivi", r"réduction", r"produit", r"commande", r"client", r"pays", r"erreur", r"barres", r"parrainage",
    r"remise", r"avantage", r"colis", r"expédition", r"retrait", r"livraison", r"entrega", r"recogida",
    r"retirada", r"ritiro", r"consegna", r"ridicare", r"livrare", r"seguimiento", r"rastreo", r"envío", r"descuento",
    r"promoci[óo]n(?:al)?", r"cup[óo]n", r"regalo", r"producto", r"art[íi]culo", r"pedido", r"cliente", r"pa[íi]s",
    r"área", r"barras", r"rastreamento", r"rastreio", r"envio", r"desconto", r"promoção", r"promocional", r"cupom",
    r"cupão", r"presente", r"produto", r"artigo", r"encomenda", r"erro", r"acompanhamento", r"tracciamento",
    r"spedizione", r"sconto", r"promozionale", r"prodotto", r"articolo", r"ordine", r"postale", r"paese", r"errore",
    r"barre", r"fiscale", r"urm[ăa]rire", r"reducere", r"promo[țţt]ional", r"produs(?:ului)?", r"comand[ăa]",
    r"comenzii", r"clientului", r"po[șş]tal", r"[țţ]ar[ăa]", r"eroare", r"bare", r"fiscal",
    # pl, cs
    r"śledzenia", r"przesyłki", r"rabatowy", r"promocyjny", r"zniżkowy", r"kuponu", r"produktu", r"towaru",
    r"zamówienia", r"klienta", r"pocztowy", r"pocztowego", r"kraju", r"błędu", r"kreskowy", r"podarunkowy",
    r"sledování", r"zásilky", r"slevový", r"kupónu", r"zboží", r"objednávky", r"zákazníka", r"poštovní", r"země",
    r"chyby", r"čárový", r"odbioru", r"dostawy", r"odběru", r"doručení",
    # tr
    r"takip", r"kargo", r"gönderi", r"indirim", r"kupon", r"promosyon", r"hediye", r"ürün", r"sipariş", r"müşteri",
    r"posta", r"ülke", r"alan", r"hata", r"durum", r"vergi", r"kampanya", r"referans", r"teslim(?:at)?",
    # id, vi
    r"pos", r"pelacakan", r"lacak", r"resi", r"pengiriman", r"diskon", r"hadiah", r"produk", r"barang", r"pesanan",
    r"pelanggan", r"negara", r"kesalahan", r"batang", r"bưu (?:chính|điện)", r"vận đơn", r"theo dõi", r"giảm giá",
    r"khuyến (?:mãi|mại)", r"quà tặng", r"sản phẩm", r"hàng", r"đơn hàng", r"đơn", r"khách hàng", r"quốc gia",
    r"giao hàng", r"nhận hàng", r"pengambilan",
    r"vùng", r"lỗi", r"vạch", r"số thuế", r"thuế", r"tham chiếu", r"giao dịch", r"hóa", r"bảo mật thẻ",
    # el
    r"παρακολούθησης", r"αποστολής", r"έκπτωσης", r"εκπτωτικός", r"κουπονιού", r"προσφοράς", r"προϊόντος",
    r"παραγγελίας", r"πελάτη", r"ταχυδρομικός", r"χώρας", r"σφάλματος",
    # ru, uk
    r"отслеживани[яе]", r"відстеження", r"трек", r"посылки", r"отправления", r"відправлення", r"скидки", r"знижки",
    r"купона", r"промо", r"товара", r"товару", r"продукта", r"продукту", r"заказа", r"замовлення", r"клиента",
    r"клієнта", r"страны", r"країни", r"региона", r"регіону", r"ошибки", r"помилки", r"подарочн\w*", r"почтов\w*",
    r"поштов\w*", r"штрих", r"артикула", r"получения", r"отримання", r"доставки", r"доставлення",
    # ar, fa, he (with their article or prefix)
    r"(?:ال)?(?:تتبع|شحنة|شحن|خصم|ترويج|ترويجي|قسيمة|كوبون|هدية|منتج|منتجات|طلب|عميل|بريد|بريدي|دولة|بلد|منطقة|"
    r"خطأ|استجابة|شريطي|سلعة)",
    r"رهگیری", r"پیگیری", r"تخفیف", r"کوپن", r"تبلیغاتی", r"هدیه", r"محصول", r"کالا", r"سفارش", r"مشتری", r"پستی",
    r"کشور", r"منطقه", r"خطا", r"ملی", r"اقتصادی", r"مرسوله",
    r"ה?(?:מעקב|משלוח|הנחה|קופון|קידום|מתנה|מוצר|פריט|הזמנה|לקוח|דואר|מיקוד|מדינה|אזור|שגיאה|ברקוד|קופה)",
    # zh, ja, ko
    r"发票", r"發票", r"取件", r"取貨", r"提货", r"追踪", r"追蹤", r"跟踪", r"跟蹤", r"物流", r"快递", r"快遞", r"运单", r"運單", r"邮政", r"郵政",
    r"优惠", r"優惠",
    r"折扣", r"兑换", r"兌換", r"礼品", r"禮品", r"商品", r"产品", r"產品", r"订单", r"訂單", r"客户", r"客戶",
    r"国家", r"國家", r"错误", r"錯誤", r"状态", r"狀態", r"二维", r"二維", r"邀请", r"邀請", r"推荐", r"推薦",
    r"請求", r"受取", r"受け取り", r"追跡", r"問い合わせ", r"郵便", r"クーポン", r"割引", r"プロモーション", r"プロモ", r"注文", r"顧客", r"国",
    r"エラー", r"ステータス", r"バー", r"配送", r"伝票", r"招待", r"紹介",
    r"송장", r"수령", r"픽업", r"추적", r"운송장", r"배송", r"우편", r"쿠폰", r"할인", r"프로모션", r"상품", r"제품", r"주문", r"고객", r"국가",
    r"오류", r"에러", r"상태", r"초대", r"추천", r"바",
    # th, hi, bn
    r"ไปรษณีย์", r"สินค้า", r"ติดตาม", r"พัสดุ", r"คำสั่งซื้อ", r"ส่วนลด", r"โปรโมชั่น", r"คูปอง", r"ลูกค้า", r"ประเทศ",
    r"ข้อผิดพลาด", r"สาขา", r"ธนาคาร", r"อ้างอิง",
    r"पिन", r"ट्रैकिंग", r"कूपन", r"प्रोमो", r"डिस्काउंट", r"छूट", r"उत्पाद", r"प्रोडक्ट", r"ऑर्डर", r"आदेश", r"ग्राहक",
    r"पोस्टल", r"डाक", r"देश", r"त्रुटि", r"एरर",
    r"পিন", r"পোস্ট", r"ট্র্যাকিং", r"কুপন", r"প্রোমো", r"ডিসকাউন্ট", r"পণ্য", r"প্রোডাক্ট", r"অর্ডার", r"গ্রাহক",
    r"দেশ", r"ত্রুটি",
]

# Anywhere on a line, these make every code it names a promotion or a parcel's: "Use code SAVE10 for 10% off",
# "track your parcel with code ...".
LINE_NOT_A_CODE = [
    r"\d\s?%", r"%\s?\d", r"discount", r"coupon", r"voucher", r"promo\w*", r"checkout", r"track(?:ing)?",
    r"rabatt\w*", r"gutschein\w*", r"sendungsverfolgung", r"kasse", r"korting", r"rabat\w*", r"zniżk\w*",
    r"slev\w*", r"reducere", r"réduction", r"remise", r"suivi", r"caisse", r"descuento", r"cup[óo]n", r"seguimiento",
    r"rastreo", r"desconto", r"cupom", r"rastreamento", r"rastreio", r"sconto", r"tracciamento", r"indirim",
    r"kupon\w*", r"takip", r"скидк\w*", r"знижк\w*", r"купон\w*", r"отслежив\w*", r"відстеж\w*", r"έκπτωσ\w*",
    r"κουπόνι\w*", r"diskon", r"lacak", r"pelacakan", r"giảm giá", r"khuyến (?:mãi|mại)", r"theo dõi đơn",
    r"خصم", r"كوبون", r"قسيمة", r"تتبع", r"تخفیف", r"کوپن", r"رهگیری", r"הנחה", r"קופון", r"מעקב", r"छूट",
    r"कूपन", r"डिस्काउंट", r"ट्रैकिंग", r"ছাড়", r"কুপন", r"ডিসকাউন্ট", r"ট্র্যাকিং",
    r"ส่วนลด", r"คูปอง", r"ติดตามพัสดุ",
    r"优惠", r"優惠", r"折扣", r"追踪", r"追蹤", r"割引", r"クーポン", r"追跡", r"할인", r"쿠폰", r"추적", r"배송 ?조회",
    # a coupon for the next purchase, free shipping
    r"next (?:order|purchase)", r"free shipping", r"nächsten? (?:bestellung|einkauf)", r"versandkostenfrei",
    r"prochaine? (?:commande|achat)", r"livraison gratuite", r"próxim[ao] (?:compra|pedido)", r"env[íi]o gratis",
    r"frete grátis", r"prossimo (?:ordine|acquisto)", r"spedizione gratuita", r"volgende bestelling",
    r"gratis verzending", r"nästa (?:köp|beställning)", r"następn\w* (?:zakup|zamówieni)\w*", r"příští nákup\w*",
    r"următoarea comandă", r"sonraki (?:alışveriş|sipariş)\w*", r"ücretsiz kargo", r"следующ\w* (?:заказ|покупк)\w*",
    r"бесплатн\w* доставк\w*", r"наступн\w* (?:замовлен|покупк)\w*", r"безкоштовн\w* доставк\w*",
    r"επόμενη αγορά", r"pembelian berikutnya", r"gratis ongkir", r"lần mua (?:hàng )?tiếp theo", r"miễn phí vận chuyển",
    r"الطلب التالي", r"الشحن المجاني", r"خرید بعدی", r"ارسال رایگان", r"ההזמנה הבאה", r"משלוח חינם", r"अगली खरीद",
    r"मुफ्त शिपिंग", r"পরবর্তী কেনাকাটা", r"ครั้งถัดไป", r"ส่งฟรี", r"下次", r"免运费", r"免運費", r"次回", r"送料無料",
    r"다음 (?:주문|구매)", r"무료 ?배송",
]

# Right before a number (after ":", "#", "No." and the like), these make it something else than a code.
NUMBER_LABELS = [
    r"#", r"№", r"n[°ºo]\.?", r"nr\.?", r"no\.", r"tel\.?", r"phone", r"fax", r"mobile", r"ip(?: address)?",
    r"number", r"nummer", r"numéro", r"n[úu]mero", r"numer", r"číslo", r"num[ăa]r(?:ul)?", r"numara(?:sı)?",
    r"nomor", r"номер\w*", r"телефон\w*", r"αριθμός", r"τηλ\.?", r"رقم", r"شماره", r"מספר", r"संख्या", r"नंबर",
    r"নম্বর", r"หมายเลข", r"số", r"번호", r"番号", r"号", r"號", r"电话", r"電話", r"ref(?:erence)?\.?",
    r"referenz", r"référence", r"referencia", r"referência", r"riferimento", r"card", r"karte", r"carte",
    r"tarjeta", r"cartão", r"carta", r"karta", r"kart", r"карт\w*", r"ending in", r"endet auf", r"terminant par",
    r"terminada en", r"final",
    # a user name or a device is no code either: "user alex2026", "device Pixel8"
    r"user(?: ?name)?", r"login", r"account", r"id", r"device", r"model", r"version", r"benutzer(?:name)?",
    r"utilisateur", r"usuario", r"usuário", r"utente", r"gebruiker(?:snaam)?", r"användare", r"użytkownik\w*",
    r"uživatel\w*", r"utilizator\w*", r"kullanıcı(?: adı)?", r"pengguna", r"người dùng", r"χρήστη", r"пользовател\w*",
    r"користувач\w*", r"(?:ال)?مستخدم", r"کاربر(?:ی)?", r"משתמש", r"उपयोगकर्ता", r"ব্যবহারকারী", r"ผู้ใช้",
    r"用户名?", r"使用者", r"ユーザー名?", r"사용자",
]
