"""The link a sign-up mail wants clicked (verify, confirm, activate, sign in, reset), found among a message's links.

API (for the reader's `o` list and `tmail link`):

    rank_links(links, text="") -> list[RankedLink]   # every link once; the verification link first, marked
    verification_link(links, text="") -> Link | None  # just that link, or None when the mail has none

`links` are the message's `render.Link`s (number, url, label), `text` the converted body (render.for_reader or
render_body text: it is read for the words around a link that has no label, as in plain-text mail). In the ranked
list the verification link (at most one, `is_verification=True`, `why` says what decided it) comes first; the
others keep the mail's order, so their numbers still read [1], [2]... in sequence. `RankedLink.to_json()` is a dict
for `--json`.

How a link is judged, by evidence of decreasing weight:
- its words (the label, or for a link without one the words on its line and the line before): "Verify", "Confirm
  your address", "Doğrula", "E-postanızı onaylayın", "Bestätigen", "Confirmar", "Подтвердить", "確認", "验证",
  "تأكيد", "ยืนยัน"... in the languages of the code finder (verify, confirm, activate, sign in, log in, reset,
  authenticate, finish the sign-up);
- its address: a path or query that says verify, confirm, activate, magic, login, auth, reset, recover, token=,
  code=... counts, but less: a redirecting tracker hides the path, and a word can be on any link.
- never: a link that is not http(s), a tracking pixel or image, an unsubscribe, preferences, privacy, terms, help or
  "view in browser" link, a social-media or app-store link, a plain homepage (no path), an order, invoice or
  parcel-tracking page. Those words veto whatever else the link says.
A link needs the weight of one word-match (or two address hints) to be called the verification link.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .render import Link
from .sanitize import one_line

_L = "A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff"  # letters of space-separated scripts

# Stems of the words on a verification button, per language; Latin, Greek and Cyrillic ones start a word.
_ACTION_STEMS = [
    # en
    r"verif", r"confirm", r"activat", r"sign ?in", r"log ?in", r"reset", r"authenticat", r"validat",
    r"complete (?:your )?(?:registration|sign ?up)", r"finish (?:signing|setting) up",
    r"set (?:up )?(?:a |your )?password",
    r"magic link", r"recover", r"accept (?:the )?invit", r"(?:finish|complete) (?:the )?(?:setup|initiali[sz]ation)",
    # de, nl, sv
    r"bestätig", r"verifizier", r"aktivier", r"anmeld", r"anzumeld", r"melden sie sich", r"einzulogg",
    r"zurückzusetz", r"einloggen", r"zurücksetzen", r"authentifizier",
    r"bevestig", r"verifieer", r"activeer", r"inloggen", r"aanmelden", r"herstel", r"authenticeer",
    r"bekräfta", r"verifiera", r"aktivera", r"logga in", r"återställ",
    # fr, es, pt, it, ro
    r"vérifi", r"activer", r"se connecter", r"connexion", r"réinitialis", r"valider", r"authentifi",
    r"verific", r"activar", r"iniciar sesi[óo]n", r"restablec", r"autentic", r"ativar", r"entrar", r"redefinir",
    r"fazer login", r"iniciar sessão", r"conferm", r"attiva", r"accedi", r"reimposta", r"convalid",
    r"confirm[ăa]", r"verific[ăa]", r"activeaz[ăa]", r"conecteaz[ăa]", r"reseteaz[ăa]", r"autentific",
    # pl, cs
    r"potwierd", r"zweryfikuj", r"weryfik", r"aktywuj", r"zaloguj", r"zresetuj", r"uwierzytelni",
    r"potvr[dď]", r"ověř", r"aktivovat", r"aktivujte", r"přihlás", r"obnovit",
    # tr
    r"doğrula", r"onayla", r"etkinleştir", r"aktifleştir", r"giriş yap", r"oturum aç", r"sıfırla",
    # id, vi
    r"verifikasi", r"konfirmasi", r"aktifkan", r"masuk", r"atur ulang", r"otentikasi",
    r"xác minh", r"xác nhận", r"xác thực", r"kích hoạt", r"đăng nhập", r"đặt lại",
    # el, ru, uk
    r"επιβεβα", r"επαλ[ηή]θε[υύ]", r"ενεργοπο", r"σ[υύ]νδ[εέ]", r"επαναφ[οό]ρ",
    r"подтверд", r"верифиц", r"активир", r"войти", r"вход", r"сбросить", r"восстанов", r"аутентиф",
    r"підтверд", r"активув", r"увійти", r"вхід", r"скинути", r"відновит", r"автентиф",
]
# Arabic, Persian, Hebrew, Indic, Thai, CJK: matched anywhere.
_ACTION_ANYWHERE = [
    r"تأكيد", r"تاكيد", r"تحقق", r"التحقق", r"تفعيل", r"تسجيل الدخول", r"إعادة تعيين", r"مصادقة", r"إتمام",
    r"تأیید", r"تایید", r"فعال[ ‌]?سازی", r"ورود", r"بازنشانی", r"احراز هویت",
    r"אמת", r"אימות", r"אשר", r"אישור", r"הפעל", r"התחבר", r"היכנס", r"כניסה", r"איפוס", r"אפס",
    r"सत्यापित", r"सत्यापन", r"पुष्टि", r"सक्रिय", r"साइन इन", r"लॉग इन", r"लॉगिन", r"रीसेट", r"प्रमाणीकरण",
    r"যাচাই", r"নিশ্চিত", r"সক্রিয়", r"সাইন ইন", r"লগইন", r"রিসেট",
    r"ยืนยัน", r"เปิดใช้งาน", r"เข้าสู่ระบบ", r"รีเซ็ต",
    r"验证", r"驗證", r"确认", r"確認", r"激活", r"启用", r"啟用", r"登录", r"登入", r"登錄", r"重置", r"重設",
    r"认证", r"認證", r"認証", r"有効化", r"ログイン", r"サインイン", r"再設定", r"リセット",
    r"인증", r"확인", r"활성화", r"로그인", r"재설정",
]
# Words that make a link something else, whatever else it says.
_OTHER_STEMS = [
    r"unsubscri", r"opt[ -]?out", r"preferences", r"privacy", r"terms", r"help", r"support", r"contact", r"faq",
    r"view (?:it )?(?:in|on) (?:your|the|a) browser", r"view online", r"web version", r"order", r"invoice",
    r"track", r"shop now", r"download the app",
    r"abmelden", r"abbestellen", r"einstellungen", r"datenschutz", r"impressum", r"agb", r"bestellung", r"rechnung",
    r"sendung", r"afmelden", r"uitschrijven", r"voorkeuren", r"avsluta", r"avregistrera",
    r"désabonn", r"désinscri", r"préférences", r"confidentialité", r"commande", r"facture", r"suivi",
    r"darse de baja", r"cancelar (?:la )?suscripci", r"preferencias", r"privacidad", r"pedido", r"factura",
    r"descadastr", r"cancelar inscri", r"preferências", r"privacidade", r"encomenda", r"fatura",
    r"disiscri", r"annulla (?:l'iscrizione|iscrizione)", r"preferenze", r"ordine", r"fattura", r"dezabon",
    r"wypisz", r"rezygn", r"ustawienia", r"zamówieni", r"odhlás", r"objednávk", r"abonelik", r"sipariş", r"fatura",
    r"takip", r"tercih", r"berhenti berlangganan", r"pesanan", r"hủy đăng ký", r"đơn hàng",
    r"отпис", r"настройк", r"заказ", r"відпис", r"налаштуван", r"замовлен", r"διαγραφ", r"παραγγελ",
]
_OTHER_ANYWHERE = [
    r"إلغاء الاشتراك", r"الطلب", r"طلبك", r"لغو اشتراک", r"سفارش", r"הסר", r"בטל מנוי", r"הזמנה",
    r"सदस्यता", r"ऑर्डर", r"आदेश", r"আনসাবস্ক্রাইব", r"অর্ডার", r"ยกเลิกการสมัคร", r"คำสั่งซื้อ",
    r"退订", r"取消订阅", r"退訂", r"取消訂閱", r"订单", r"訂單", r"配信停止", r"購読解除", r"注文", r"수신 ?거부",
    r"구독 ?취소", r"주문",
]
_ACTION = re.compile(rf"(?<![{_L}])(?:{'|'.join(_ACTION_STEMS)})|{'|'.join(_ACTION_ANYWHERE)}", re.IGNORECASE)
_OTHER = re.compile(rf"(?<![{_L}])(?:{'|'.join(_OTHER_STEMS)})|{'|'.join(_OTHER_ANYWHERE)}", re.IGNORECASE)

_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
_URL_PARTS = re.compile(r"^[a-z][a-z0-9+.-]*://(?P<host>[^/?#]*)(?P<path>[^?#]*)(?P<query>\?[^#]*)?", re.IGNORECASE)
_PATH_HINT = re.compile(r"verif|confirm|activat|magic|log-?in|sign-?in|auth|reset|recover|passwor|otp|validat|"
                        r"action-token|invit", re.IGNORECASE)
_QUERY_HINT = re.compile(r"[?&](?:token|code|otp|key|ticket|hash|signature|secret)=", re.IGNORECASE)
_PATH_OTHER = re.compile(r"unsubscri|opt-?out|preferences|privacy|terms|/track(?:ing)?/|/open\b|pixel|beacon|"
                         r"\.(?:gif|png|jpe?g|svg|webp|ico)\b|/logo|/orders?/|/invoices?/", re.IGNORECASE)
_SOCIAL = re.compile(r"(?:^|\.)(?:facebook|fb|twitter|x|instagram|linkedin|youtube|youtu|tiktok|pinterest|"
                     r"reddit|discord|telegram|t|wa|whatsapp|vk|weibo|line|threads|snapchat|medium|mastodon)"
                     r"\.(?:com|me|be|ru|gg|net|social)$|^(?:apps\.apple\.com|play\.google\.com)$", re.IGNORECASE)

# Link words that say nothing by themselves ("click here"): the sentence around them says what the link does.
_GENERIC = re.compile(r"(?:click |tap )?(?:here|this link|the link|link|this|hier|ici|aquí|aqui|qui|здесь|тут|"
                      r"tutaj|tady|burada|buraya|buna|di sini|tại đây|εδώ|hierzu|hierheen|här|aici|"
                      r"这里|這裡|此处|此處|ここ|여기|यहाँ|যেখানে|ที่นี่|اینجا|هنا|כאן)[.!:]?", re.IGNORECASE)

WORDS_WEIGHT, CONTEXT_WEIGHT, PATH_WEIGHT, QUERY_WEIGHT = 3, 2, 2, 1
THRESHOLD = 2


@dataclass(frozen=True)
class RankedLink:
    link: Link
    is_verification: bool = False
    why: str = ""  # what made it the verification link: "words: Confirm your address", "address: /verify"

    def to_json(self) -> dict[str, object]:
        """The link for `tmail link --json` and `tmail read --json`."""
        link = self.link
        return {"number": link.number, "url": link.url, "label": link.label, "safe": link.safe,
                "verification": self.is_verification, "why": self.why}


def _context(link: Link, text: str) -> str:
    """For a link with no words of its own (or only "click here"): the words on the line where it stands in the
    text, and on the line before. A link that says what it is ("Read the article") is judged by that alone: the
    sentence beside it may say "log in" about something else."""
    lines = text.splitlines()
    marker = f"[{link.number}]"
    for index, line in enumerate(lines):
        if line.lstrip().startswith(marker):
            break  # the "Links:" block under the body: nothing more to learn
        if link.url in line or marker in line:
            previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
            return _URL.sub(" ", " ".join((previous, line.replace(marker, " "))))
    return ""


def _judge(link: Link, text: str) -> tuple[int, str]:
    """(weight, why) of a link as the verification link; 0 for a link that can never be one."""
    parts = _URL_PARTS.match(link.url)
    if not link.safe or not parts or link.scheme == "mailto":
        return 0, ""
    host = parts.group("host").rsplit("@", 1)[-1].split(":")[0].lower()
    path, query = parts.group("path") or "", parts.group("query") or ""
    if _SOCIAL.search(host) or _PATH_OTHER.search(path + query) or (path.strip("/") == "" and not query):
        return 0, ""
    words = link.label if link.label and not link.label.startswith("[image") else ""
    if words and _OTHER.search(words):
        return 0, ""
    weight, why = 0, ""
    if words and _ACTION.search(words):
        weight, why = WORDS_WEIGHT, f"words: {words}"
    elif text and (not words or _GENERIC.fullmatch(words.strip())):  # a link's own words are not overruled
        context = _context(link, text)
        if _OTHER.search(context) and not _ACTION.search(words or context):
            return 0, ""
        if _ACTION.search(context):
            weight, why = CONTEXT_WEIGHT, f"words: {one_line(context, 80)}"
    if _PATH_HINT.search(path):
        weight += PATH_WEIGHT
        why = why or f"address: {one_line(path, 80)}"
    if _QUERY_HINT.search(query):
        weight += QUERY_WEIGHT
        why = why or f"address: {one_line(query, 80)}"
    return weight, why


def rank_links(links: Sequence[Link], text: str = "") -> list[RankedLink]:
    """Every link once, in the mail's order, except the verification link (if any), which comes first, marked."""
    best, best_weight, best_why = None, THRESHOLD - 1, ""
    for link in links:
        weight, why = _judge(link, text)
        if weight > best_weight:
            best, best_weight, best_why = link, weight, why
    ranked = [RankedLink(link) for link in links if link is not best]
    return ([RankedLink(best, True, best_why)] if best else []) + ranked


def verification_link(links: Sequence[Link], text: str = "") -> Link | None:
    """The link that verifies, confirms, activates, signs in or resets, or None."""
    ranked = rank_links(links, text)
    return ranked[0].link if ranked and ranked[0].is_verification else None
