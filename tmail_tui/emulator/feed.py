"""The demo feed: mail of every kind a throwaway address receives, written for this project.

`seed_messages()` is what a new demo box holds at once; `live_message(n)` is the n-th message that arrives later,
so a demo shows new mail landing by itself. Everything is generated here: no network, no third-party data.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from random import Random


@dataclass
class FeedAttachment:
    name: str
    data: bytes
    content_type: str = "application/octet-stream"

    @property
    def extension(self) -> str:
        stem, dot, ext = self.name.rpartition(".")
        return ext.lower() if dot and stem else ""


@dataclass
class FeedMessage:
    subject: str
    from_name: str
    from_email: str
    content: str
    html: bool = False
    attachments: list[FeedAttachment] = field(default_factory=list)


def _png(width: int = 96, height: int = 64) -> bytes:
    """A small valid PNG (a colour gradient), made without any imaging library."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 160)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of text: enough for any viewer to open."""
    text = " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -18 Td" for line in lines)
    stream = f"BT /F1 12 Tf 72 720 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _zip(size: int, seed: int = 7) -> bytes:
    """A zip of test data, about `size` bytes (stored, so the size is predictable)."""
    rng = Random(seed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("README.txt", "Load-test fixtures generated for the tmail demo.\n")
        archive.writestr("fixtures.bin", rng.randbytes(max(size - 300, 0)))
    return buffer.getvalue()


NEWSLETTER_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>The Terminal Weekly</title>
<style>body{margin:0;background:#f4f4f7} .btn{background:#3869d4;color:#fff} @media (max-width:600px){.col{width:100%}}</style>
<script>document.title = "tracking";</script>
</head>
<body>
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">This week: tiling window managers, a faster grep, and a quiz. &zwnj;&nbsp;&zwnj;&nbsp;&zwnj;&nbsp;</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"><tr><td align="center">
 <table role="presentation" width="600" cellpadding="0" cellspacing="0" class="container">
  <tr><td style="padding:24px"><a href="https://weekly.example.org/?utm_source=mail"><img src="https://weekly.example.org/logo.png" alt="The Terminal Weekly" width="180"></a></td></tr>
  <tr><td class="col" style="padding:0 24px">
   <h1>Issue #142: small tools, big wins</h1>
   <p>Hello there,</p>
   <p>This week we look at <strong>three command-line tools</strong> that replaced half of our scripts, and at a
   window manager that fits in 2,000 lines of C.</p>
   <table role="presentation" width="100%"><tr>
     <td class="col" width="50%" valign="top"><h2>A faster grep</h2><p>It searches a 2 GB log in under a second.
       <a href="https://weekly.example.org/articles/faster-grep">Read the article</a></p></td>
     <td class="col" width="50%" valign="top"><h2>Tiling, tamed</h2><p>Keyboard-first layouts without the config
       sprawl. <a href="https://weekly.example.org/articles/tiling">Read more</a></p></td>
   </tr></table>
   <table role="presentation" cellpadding="0" cellspacing="0"><tr><td class="btn" style="border-radius:4px;padding:12px 18px">
     <a href="https://weekly.example.org/quiz" style="color:#ffffff;text-decoration:none">Take this week's quiz</a>
   </td></tr></table>
   <p>Happy hacking,<br>The Terminal Weekly team</p>
  </td></tr>
  <tr><td style="padding:24px;font-size:12px;color:#6b6e76">
   You receive this because you signed up at weekly.example.org.
   <a href="https://weekly.example.org/unsubscribe?u=8f3a">Unsubscribe</a> |
   <a href="https://weekly.example.org/preferences">Preferences</a>
  </td></tr>
 </table>
</td></tr></table>
<img src="https://track.example.net/open.gif?id=8f3a" width="1" height="1" alt="" style="display:none">
</body></html>
"""

RECEIPT_HTML = """<html><body style="font-family:Arial,sans-serif">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table width="560" cellpadding="8" cellspacing="0" style="border:1px solid #e5e5e5">
 <tr><td colspan="2"><h2>Thanks for your order</h2><p>Order <b>#A-20931</b> was placed on 25 November.</p></td></tr>
 <tr><td>Mechanical keyboard (brown switches)</td><td align="right">&euro;89.00</td></tr>
 <tr><td>USB-C cable, 2 m</td><td align="right">&euro;9.50</td></tr>
 <tr><td>Shipping</td><td align="right">&euro;0.00</td></tr>
 <tr><td><strong>Total</strong></td><td align="right"><strong>&euro;98.50</strong></td></tr>
 <tr><td colspan="2"><a href="https://shop.example.com/orders/A-20931">View your order</a> &middot;
   <a href="https://shop.example.com/help">Help centre</a></td></tr>
 <tr><td colspan="2" style="font-size:11px;color:#999">Example Shop Ltd, 1 Market Street. The invoice is attached.</td></tr>
</table></td></tr></table></body></html>
"""


def seed_messages() -> list[FeedMessage]:
    """What a fresh demo box holds at once, oldest first."""
    return [
        FeedMessage(
            subject="Welcome to your throwaway inbox",
            from_name="Temp Mail", from_email="hello@tempmail.example",
            content=("Hi!\n\nThis address is yours until it expires. Mail sent to it shows up here by itself.\n\n"
                     "  * n creates another address, N lets you pick its name\n"
                     "  * s saves an attachment, d deletes a message\n\n"
                     "Nothing here is sent anywhere else.\n\n-- \nThe Temp Mail team\n"),
        ),
        FeedMessage(
            subject="The Terminal Weekly #142: small tools, big wins",
            from_name="The Terminal Weekly", from_email="news@weekly.example.org",
            content=NEWSLETTER_HTML, html=True,
        ),
        FeedMessage(
            subject="Your order #A-20931 is confirmed",
            from_name="Example Shop", from_email="orders@shop.example.com",
            content=RECEIPT_HTML, html=True,
            attachments=[FeedAttachment("invoice-A-20931.pdf", _pdf(["Example Shop Ltd", "Invoice A-20931",
                                                                     "Total: EUR 98.50"]), "application/pdf")],
        ),
        FeedMessage(
            subject="Trip photos and notes",
            from_name="Alex Doe", from_email="alex.doe@friends.example",
            content=("Hey,\n\nHere are the photo and the notes from the trip, plus the spreadsheet of who paid "
                     "what.\n\nSee you,\nAlex\n"),
            attachments=[
                FeedAttachment("sunset.png", _png(), "image/png"),
                FeedAttachment("trip notes.txt", b"Day 1: arrived late.\nDay 2: the lake.\nDay 3: home.\n",
                               "text/plain"),
                FeedAttachment("expenses.csv", b"who,what,eur\nAlex,train,42.00\nSam,dinner,63.50\n",
                               "text/csv"),
                FeedAttachment("fixtures.zip", _zip(256 * 1024), "application/zip"),
            ],
        ),
        FeedMessage(
            subject="Your verification code: 482913",
            from_name="Acme Accounts", from_email="no-reply@accounts.acme.example",
            content=("<p>Use this code to verify your e-mail address:</p>"
                     "<p style='font-size:28px;letter-spacing:6px'><b>482913</b></p>"
                     "<p>It expires in 10 minutes. If you did not ask for it, ignore this mail.</p>"
                     "<p><a href='https://accounts.acme.example/verify?code=482913'>Verify in one click</a></p>"),
            html=True,
        ),
    ]


_LIVE = [
    ("Sign in to Acme: your magic link", "Acme Accounts", "no-reply@accounts.acme.example",
     "<p>Click to sign in: <a href='https://accounts.acme.example/magic?t={n}'>Sign in to Acme</a></p>"
     "<p>This link works once and expires in 15 minutes.</p>", True),
    ("Reset your password", "Example Shop", "security@shop.example.com",
     "Someone asked to reset the password for this address.\n\nReset code: {code}\n\n"
     "If it was not you, ignore this mail.\n", False),
    ("Your parcel is on its way", "Parcel Tracker", "updates@parcel.example",
     "<h3>Out for delivery</h3><p>Parcel <b>PT-{n}0042</b> arrives today between 10:00 and 14:00.</p>"
     "<p><a href='https://parcel.example/track/PT-{n}0042'>Track it</a></p>", True),
    ("Confirm your newsletter subscription", "The Terminal Weekly", "news@weekly.example.org",
     "<p>Please confirm that you want the weekly issue.</p>"
     "<p><a href='https://weekly.example.org/confirm?c={code}'>Yes, subscribe me</a></p>", True),
    ("Test run {n}: build passed", "CI Bot", "ci@builds.example.dev",
     "Build #{n} passed in 3m 12s.\n\n  tests: 412 passed, 0 failed\n  coverage: 91%\n", False),
]


def live_message(n: int) -> FeedMessage:
    """The n-th message of the live feed (n from 1), different each time."""
    subject, name, email, body, html = _LIVE[(n - 1) % len(_LIVE)]
    code = f"{(n * 7919 + 100000) % 900000 + 100000:06d}"
    return FeedMessage(subject=subject.format(n=n, code=code), from_name=name, from_email=email,
                       content=body.format(n=n, code=code), html=html)
