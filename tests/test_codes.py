"""Which tokens of a message count as a verification code (what `y` copies), in many languages, and which never do.

Every fixture here is written for this test, in the style of sign-up, sign-in and shop mail; none is copied from a
real sender.
"""

from __future__ import annotations

import json
import time

import pytest

from tmail_tui.codes import SCAN, Code, find_codes
from tmail_tui.render import for_reader


def first(subject: str, text: str) -> str | None:
    codes = find_codes(subject, text)
    return codes[0].code if codes else None


# (subject, body, what `y` must copy)
FOUND = {
    # --- shapes (English) ---
    "6 digits after a colon": ("Welcome", "Your verification code: 305518", "305518"),
    "8 digits alone after the naming line": (
        "Welcome", "Hi Sam,\n\nType this code in the app to finish signing up.\n\n77104328\n\nSee you soon!",
        "77104328"),
    "4 digits": ("Sign in", "Your PIN is 9042.", "9042"),
    "capitals and digits": ("Sign in", "Use the one-time passcode Q7XK2M to continue.", "Q7XK2M"),
    "lowercase and digits": ("Sign in", "Your login code is p4tz9k and works once.", "p4tz9k"),
    "space-separated groups": ("Sign in", "Your security code is 604 118.", "604118"),
    "dash-separated groups": ("Sign in", "Enter code 771-902 on the sign-in page.", "771902"),
    "letter prefix": ("G-550127 is your verification code", "", "550127"),
    "alphanumeric dash groups": ("Backup", "Your recovery code: 7KQ-4ZP", "7KQ4ZP"),
    "uneven dash groups, not a date": ("Card", "Your PIN: 4711-22", "471122"),
    "one digit per box": ("Verify", "Enter the code below\n\n4  0  7  7  1  2\n\nThanks", "407712"),
    "code before its name": ("", "918273 is your Foobar code. Don't share it.", "918273"),
    "code in the subject only": ("Your code is 663190", "Hello, welcome aboard!", "663190"),
    "the subject names it, the body uses it": ("Your sign-in code", "Use 228461 to sign in.", "228461"),
    "a naming line that ends with a verb": (
        "Hi", "Here is what you asked for, a code that we generated\n\n514236", "514236"),
    "code just before the naming line": ("Hi", "Welcome!\n\n842097\n\nThat is your confirmation code.", "842097"),
    "site-bound SMS line": ("", "Welcome to Acme.\n\n@acme.example #602615", "602615"),
    "a year-shaped code right after its name": ("Hi", "Code: 2031", "2031"),
    "verification token": ("Account", "Your verification token: 730412", "730412"),
    "temporary password": ("Account", "Your temporary password is Lm4rT8qz", "Lm4rT8qz"),
    # --- Latin-script languages ---
    "de compound": ("Konto", "Ihr Bestätigungscode lautet: 846203", "846203"),
    "de TAN": ("Überweisung", "Ihre TAN lautet 481516", "481516"),
    "nl compound": ("Account", "Je verificatiecode is 113377.", "113377"),
    "sv compound": ("Konto", "Din engångskod är 557211", "557211"),
    "fr with non-breaking layout": ("Compte", "Voici votre code de confirmation :\n\n318 446\n\nÀ bientôt", "318446"),
    "es": ("Cuenta", "Tu código de verificación es 640082.", "640082"),
    "pt": ("Conta", "Use o código abaixo para entrar:\n\n590317", "590317"),
    "it": ("Account", "Il tuo codice di verifica è 726615", "726615"),
    "ro": ("Cont", "Codul tău de confirmare este 301947.", "301947"),
    "pl inflected": ("Konto", "Wpisz poniższy kod, aby dokończyć rejestrację: 882015", "882015"),
    "cs": ("Účet", "Váš ověřovací kód je 219904.", "219904"),
    "id": ("Akun", "Kode verifikasi Anda adalah 745120. Jangan berikan kepada siapa pun.", "745120"),
    "tr suffix": ("Hesap", "Giriş için tek kullanımlık şifreniz 662901'dir.", "662901"),
    "tr inflected name": ("Hesap", "Doğrulama kodunuz: 394017", "394017"),
    "vi": ("Tài khoản", "Mã xác minh của bạn là 835260.", "835260"),
    # --- Greek, Cyrillic ---
    "el": ("Λογαριασμός", "Ο κωδικός επαλήθευσης είναι: 472913", "472913"),
    "ru": ("Вход", "Ваш код для входа: 583120. Никому его не сообщайте.", "583120"),
    "uk lowercase": ("Вхід", "Введіть код нижче:\n\nk7d2qx", "k7d2qx"),
    # --- Arabic, Persian, Hebrew ---
    "ar eastern digits": ("تسجيل الدخول", "رمز التحقق الخاص بك هو ٤٨٢٩١٣", "482913"),
    "ar with article and prefix": ("", "أدخل الرمز التالي لإكمال التسجيل:\n\n715208", "715208"),
    "fa persian digits": ("ورود", "کد تأیید شما: ۶۰۳۸۱۷", "603817"),
    "he": ("כניסה", "קוד האימות שלך הוא 290461", "290461"),
    # --- Devanagari, Bengali, Thai ---
    "hi": ("लॉगिन", "आपका सत्यापन कोड 418275 है।", "418275"),
    "hi devanagari digits": ("", "आपका OTP ४१८२७६ है", "418276"),
    "bn": ("লগইন", "আপনার যাচাইকরণ কোড হল 907315।", "907315"),
    "th": ("เข้าสู่ระบบ", "รหัส OTP ของคุณคือ 640518 (หมดอายุใน 5 นาที)", "640518"),
    # --- Chinese, Japanese, Korean ---
    "zh glued to text": ("", "【某服务】您的验证码是7351，五分钟内有效。", "7351"),
    "zh-TW full-width colon": ("登入", "您的驗證碼：630194，請勿提供給他人。", "630194"),
    "ja full-width digits": ("ログイン", "認証コード：４０２６１７", "402617"),
    "ja alone after a line ending in a verb": ("確認", "次のコードを入力してください。\n\n519024\n\n", "519024"),
    "ko particle glued": ("로그인", "인증번호는 781340입니다.", "781340"),
    "ko brackets": ("", "[Web발신] 인증번호 [552019]를 입력해 주세요.", "552019"),
    # --- "listed below": the naming line says where the code is, in each language ---
    "below, de": ("Anmeldung", "Ihr Anmeldecode ist unten aufgeführt.\n\n55X2KQ", "55X2KQ"),
    "below, fr": ("Connexion", "Votre code de connexion est indiqué ci-dessous.\n\n408 217", "408217"),
    "below, tr": ("Giriş", "Giriş kodunuz aşağıda listelenmiştir.\n\n602117", "602117"),
    "below, ru": ("Вход", "Ваш код для входа указан ниже.\n\n4J7KQ2", "4J7KQ2"),
    "below, ja": ("ログイン", "ログインコードは以下の通りです。\n\n582017", "582017"),
    "below, zh": ("登录", "您的登录代码如下：\n\n310826", "310826"),
    "below, ko": ("로그인", "로그인 코드는 아래와 같습니다.\n\n770218", "770218"),
    "below, ar": ("الدخول", "رمز تسجيل الدخول الخاص بك مدرج أدناه.\n\n٥٥٠٢١٨", "550218"),
    "below, fa": ("ورود", "کد ورود شما در زیر آمده است.\n\n۷۲۰۱۱۸", "720118"),
    "below, he": ("כניסה", "קוד הכניסה שלך מופיע למטה.\n\n660291", "660291"),
    "below, th": ("เข้าสู่ระบบ", "รหัสเข้าสู่ระบบของคุณแสดงอยู่ด้านล่าง\n\n440192", "440192"),
    "below, vi": ("Đăng nhập", "Mã đăng nhập của bạn được liệt kê bên dưới.\n\n912034", "912034"),
    "below, el": ("Σύνδεση", "Ο κωδικός σύνδεσής σας παρατίθεται παρακάτω.\n\n802113", "802113"),
    "below, sv": ("Inloggning", "Din inloggningskod visas nedan.\n\n771203", "771203"),
    # --- SMS-style and other writers ---
    "a code used as a login code": ("", "Use 482913 as your login code for Acme. Don't share it.", "482913"),
    "ko in parentheses, glued": ("", "[Acme] 본인확인 인증번호(482913)입력시 정상처리 됩니다.", "482913"),
    "zh after a comma": ("", "您正在登录Acme，验证码为482913，请勿泄露。", "482913"),
    "ja corner brackets": ("", "確認コードは「482913」です。", "482913"),
    "ro abbreviation before the code": ("", "Codul dvs. de verificare este 482913", "482913"),
    "th reference beside the code": ("", "รหัส OTP คือ 482913 (Ref: KXQW)", "482913"),
    "a title naming the code lines above it": (
        "Welcome", "Verification code\n\nHello Alex,\nThanks for signing up.\nOne more step.\n"
        "Please type the following in the app:\n\n482913\n\nCheers", "482913"),
    "a user name on the code line": ("Acme", "Your verification code is 482913 and your username is alex2026",
                                     "482913"),
    "a picture between the name and the code": (
        "Confirm", "Please confirm your email with the code below\n\n[image: Acme]\n\n482913", "482913"),
}


@pytest.mark.parametrize(("subject", "text", "code"), list(FOUND.values()), ids=list(FOUND))
def test_the_code_a_mail_names_is_found_first(subject, text, code):
    assert first(subject, text) == code


# (subject, body): numbers that must never be copied as a code
NOT_FOUND = {
    "no code is named": ("Welcome!", "Thanks for joining. Your member number is 582913.\n\n482913"),
    "order number alone on its line": ("Order placed", "Your order no.\n\n000000451\n\nhas been received."),
    "order number after a code word": ("Order", "Your code for order #552133 is on its way."),
    "tracking code": ("Shipped", "Follow your parcel with the tracking code 9ZK27Q4MT1."),
    "tracking code, de": ("Versand", "Ihr Tracking-Code: 8KD3HQ2P"),
    "tracking code, fr": ("Expédition", "Votre code de suivi est 5TQ8RZ2L."),
    "tracking code, tr": ("Kargo", "Kargo takip kodunuz: 73622019"),
    "tracking code, ja": ("発送", "追跡コード：5520193817"),
    "postal code": ("Address", "Postal code: 94107"),
    "postal code, es": ("Dirección", "Código postal: 28013"),
    "postal code, pl": ("Adres", "Kod pocztowy: 00-950"),
    "postal code, hi": ("पता", "पिन कोड: 110001"),
    "product code header over a table, ar": ("طلب", "رمز المنتج  الاسم  السعر\nAB12-XL  قميص  52.00"),
    "product code, fa": ("سفارش", "کد محصول: XK2291"),
    "discount code": ("Sale", "Use code SAVE2024 for 20% off your next order."),
    "discount code, de": ("Angebot", "Ihr Gutscheincode: SOMMER25"),
    "coupon code, ko": ("이벤트", "쿠폰 코드: WELCOME10"),
    "discount code, he": ("מבצע", "קוד הנחה: SALE30X"),
    "order code, ru": ("Заказ", "Код заказа: 582201"),
    "order code, vi": ("Đơn hàng", "Mã đơn hàng: 582202"),
    "security alert with date, time and IP": (
        "Security alert", "Your OTP settings were changed on 25.11.2026 at 14:03 from 198.51.100.7."),
    "security alert, ko": ("보안 알림", "198.51.100.7에서 26. 11. 25. 오후 2:03 OTP가 변경되었습니다."),
    "a year near a code word": ("Update", "Our code of practice changed in 2025. Your code is valid until 2027."),
    "phone number on a code line": ("Sign in", "We sent a code to +1 415 555 0182."),
    "bracketed area code": ("Sign in", "We sent a code to (415) 555-0182."),
    "masked card": ("Payment", "Use the code sent for the card **** 4821."),
    "price": ("Receipt", "Your code was accepted: €1250 charged."),
    "price with a currency word": ("Receipt", "Kodunuz onaylandı, 1250 TL ödendi."),
    "an ID-prefixed number": ("Your code", "Reference SKU-00412 INV-20931"),
    "dates on a code line": ("Your code", "Code sent on 2026-11-25, valid until 2026-12 or 25-11-2026."),
    "duration": ("Sign in", "This code expires in 15min."),
    "token inside a link": ("Verify", "Verify with this code link: https://app.example/verify?code=ABC123"),
    "token inside a www link": ("Verify", "Your code page: www.app.example/c/QX72KD"),
    "an e-mail address": ("Sign in", "Your code was sent to sam2026x@mail.example"),
    "a link-only verification mail": (
        "Confirm your account", "Click the button below to confirm.\n\nConfirm [1]\n\nLinks:\n"
        "  [1] https://app.example/confirm?token=Zt8mQx3LwP0rV7yN2kJ5aB9c"),
    "words only after a naming line": ("Sign in", "Enter the code below\n\nBrave Otter"),
    "parcel pickup code, zh": ("发货通知", "您的订单 482913 已发货，快递单号：SF1234567890，取件码：482913"),
    "order and inquiry numbers, ja": ("ご注文", "ご注文番号：482913\nお問い合わせ番号：1234-5678-9012"),
    "a promotion repeated alone": ("Newsletter", "Use code SUMMER24 at checkout!\n\nSUMMER24"),
    "a device name in an alert": (
        "Security alert", "Your account was signed in from iPhone15 (198.51.100.4) on Nov 25, 2026 14:03."),
    "a user name in an OTP alert": ("Update OTP", "Your OTP was updated for user alex2026 on 25/11/2026 14:03."),
    "customer and booking codes": ("Invoice", "Customer code: C48291X\nYour booking code: X7K29Q"),
    "invoice and waybill codes, vi": ("Hóa đơn", "Mã hóa đơn: HD482913\nMã vận đơn: VN482913"),
    "postal and promo codes, id": ("Pesanan", "Nomor pesanan: 482913\nKode pos: 12345\nKode promo: HEMAT20"),
    "order id and postal code, hi": ("ऑर्डर", "ऑर्डर आईडी: 482913\nपिन कोड: 110001"),
    "order and postal code, fa": ("سفارش", "شماره سفارش: ۴۸۲۹۱۳\nکد پستی: ۱۵۹۱۶۳۴۳۱۱"),
    "discount code, tr": ("Kampanya", "İndirim kodu: YAZ2026 ile %20 indirim!"),
    "promo code, ru": ("Промо", "Ваш промокод: WINTER25"),
    "parcel locker pickup code, pl": ("Paczka", "Twój kod odbioru: 482913"),
    "delivery code, fr": ("Livraison", "Code de livraison : 4821"),
    "delivery code, tr": ("Teslimat", "Teslimat kodunuz: 4821"),
    "a coupon for the next purchase, es": ("Gracias", "Usa el código GRACIAS10 en tu próxima compra."),
    "an expired-code notice": ("Your verification code has expired", "Please request a new one within 10 minutes."),
}


@pytest.mark.parametrize(("subject", "text"), list(NOT_FOUND.values()), ids=list(NOT_FOUND))
def test_numbers_that_are_not_verification_codes_are_never_found(subject, text):
    assert find_codes(subject, text) == []


def test_a_code_carries_its_evidence():
    text = "Hello,\n\nEnter the code below to sign in.\n\n482 913\n\nThanks"
    [code] = find_codes("Sign in", text)
    assert isinstance(code, Code) and str(code) == "482913"
    assert (code.code, code.shown, code.line, code.line_number, code.in_subject) == (
        "482913", "482 913", "482 913", 4, False)
    assert text.splitlines()[code.line_number][code.column:].startswith(code.shown)
    assert code.named_by == "Enter the code below to sign in."
    assert code.evidence == "Enter the code below to sign in. … 482 913"


def test_a_code_as_json_for_the_cli():
    [code] = find_codes("Sign in", "Your code:\n\nG-482913")
    assert json.loads(json.dumps(code.to_json())) == {
        "code": "482913", "shown": "G-482913", "line": "G-482913", "line_number": 2, "in_subject": False,
        "named_by": "Your code:"}


def test_a_code_on_its_naming_line_has_that_line_as_evidence():
    [code] = find_codes("Hi", "Line one\nYour login code is 550193, valid 10 minutes.")
    assert (code.line, code.line_number, code.column, code.named_by) == (
        "Your login code is 550193, valid 10 minutes.", 1, 19, "")
    assert code.evidence == code.line


def test_a_code_only_in_the_subject_says_so():
    [code] = find_codes("Your code: 771240", "Welcome aboard.")
    assert code.in_subject and code.line_number is None and code.column is None and code.line == "Your code: 771240"


def test_the_same_code_in_subject_and_body_is_listed_once_with_the_body_as_evidence():
    codes = find_codes("Use code 403317 to sign in", "Enter this code:\n\n403317")
    assert [c.code for c in codes] == ["403317"] and codes[0].line_number == 2


def test_evidence_is_one_bounded_line_around_the_code():
    line = "word " * 100 + "your code is 918273 " + "word " * 100 + "\x1b[2J"
    [code] = find_codes("", line)
    assert code.code == "918273" and "918273" in code.line and len(code.line) <= 162
    assert "\n" not in code.line and "\x1b" not in code.line


def test_the_best_candidate_comes_first_and_the_others_follow():
    text = "Your backup code: 7KQ-4ZP\n\nYour sign-in code is:\n\n604118"
    assert [c.code for c in find_codes("", text)] == ["604118", "7KQ4ZP"]


def test_codes_in_an_html_mail_as_the_reader_converts_it():
    html = ("<table><tr><td><p>Use this code to confirm your address:</p></td></tr>"
            "<tr><td style='font-size:28px'><b>620 774</b></td></tr></table>"
            "<p><a href='https://app.example/confirm?code=620774&amp;u=99182736'>Confirm</a></p>"
            "<p style='display:none'>preview 111111</p><img src='https://t.example/p.gif?id=55667788'>")
    codes = find_codes("Confirm your address", for_reader(html, True).text)
    assert [c.code for c in codes] == ["620774"] and codes[0].shown == "620 774"


def test_an_order_mail_as_the_reader_converts_it_has_no_code():
    html = ("<h1>Thanks for your order #10452</h1><p>Placed on 2026-11-25 14:03:22</p>"
            "<table><tr><th>SKU</th><th>Item</th><th>Price</th></tr>"
            "<tr><td>MH01-XS-BLK</td><td>Hoodie</td><td>€52.00</td></tr></table>"
            "<p>Ship to: 221 Harbor Street, 94107 San Francisco. Phone +1 415 555 0182</p>"
            "<p>Tracking number: 1Z999AA10123456784</p><p><a href='https://shop.example/o/10452'>View order</a></p>")
    assert find_codes("Order confirmation", for_reader(html, True).text) == []


def test_only_the_top_of_a_huge_body_is_read():
    assert find_codes("", "filler\n" * (SCAN // 7 + 10) + "Your code: 999999") == []


def test_a_big_body_is_read_in_a_few_milliseconds():
    rows = [f"Item {n}  SKU-{n:05d}  €{n}.99  shipped 2026-11-{n % 28 + 1:02d}  code word here" for n in range(900)]
    text = "Your verification code: 482913\n" + "\n".join(rows)
    assert len(text) > 50_000
    assert [c.code for c in find_codes("Weekly digest", text)] == ["482913"]
    best = min(_timed(find_codes, "Weekly digest", text) for _ in range(3))
    assert best < 0.05  # generous for a busy CI machine; typically a few ms


def test_a_mail_full_of_named_tokens_offers_a_bounded_list():
    text = "\n".join(f"Backup code {n}: {n:04d}-QX{n % 10}K" for n in range(1000, 1040))
    assert len(find_codes("Backup codes", text)) == 10


def _timed(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start
