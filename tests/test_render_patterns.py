"""The layouts real mail is built from, each in a small fixture of its own, read as a user sees them: the text and
the link list (`tmail read`) and the reader's body (for_reader)."""

from __future__ import annotations

import re

import pytest

from tmail_tui.render import (
    RenderedBody,
    for_display,
    for_reader,
    preview_for_reader,
    render_body,
    text_with_links,
    wrap_for_terminal,
)


def shown(html: str) -> str:
    return text_with_links(render_body(html, True))


def urls(html: str) -> list[str]:
    return [link.url for link in render_body(html, True).links]


# --- font-size:0 is a size: inherited, and set again inside -------------------------------------------------------

COLUMNS = """<html><body>
<div style="display:none;font-size:1px;max-height:0px;opacity:0;overflow:hidden">A sneak peek of the offer</div>
<table role="presentation" width="100%"><tr><td style="font-size:0px;padding:16px 0">
  <!--[if mso]><table><tr><td width="300"><![endif]-->
  <div class="col" style="display:inline-block;width:100%;max-width:300px;font-size:0;vertical-align:top">
    <table role="presentation" width="100%"><tr><td style="font-size:0px;padding:8px 20px">
      <div style="font-family:Arial;font-size:15px;line-height:1.4">Spring tea arrives on Monday</div>
    </td></tr>
    <tr><td style="font-size:0px;padding:8px 20px" align="center">
      <a href="https://shop.example/teas"><img src="https://shop.example/cup.png" width="120" alt=""></a>
    </td></tr></table>
  </div>
  <!--[if mso]></td><td width="300"><![endif]-->
  <div class="col" style="display:inline-block;width:100%;max-width:300px;font-size:0px !important">
    <p style="font-size:14px !important;margin:0">Our growers picked the leaves <span>in April</span>.</p>
    <a href="https://shop.example/order" style="font-size:16px;color:#fff">Order a tin</a>
    <span>text that sets no size of its own</span>
  </div>
  <!--[if mso]></td></tr></table><![endif]-->
</td></tr></table></body></html>"""


def test_text_whose_size_is_set_again_inside_a_zero_size_wrapper_shows():
    text = shown(COLUMNS)
    assert "Spring tea arrives on Monday" in text
    assert "Our growers picked the leaves in April." in text
    assert "Order a tin [2]" in text
    assert "text that sets no size" not in text  # still 0px: invisible in every client
    assert "sneak peek" not in text  # the hidden preheader stays hidden


def test_images_and_their_links_stay_visible_at_size_zero():
    body = render_body(COLUMNS, True)
    assert "[image] [1]" in body.text  # an image with no alt, linked: a placeholder and its number
    assert [(link.number, link.url, link.label) for link in body.links] == [
        (1, "https://shop.example/teas", "[image]"), (2, "https://shop.example/order", "Order a tin")]


def test_a_small_nonzero_size_is_not_hidden():
    text = shown('<div style="font-size:0"><span style="font-size:0.5em">small print</span></div>'
                 '<div style="FONT-SIZE: 0PX">gone</div><div style="font-size:0.0px">gone too</div>')
    assert text == "small print"


# --- mso-hide:all is Outlook's switch; the MSO twin sits in a comment ----------------------------------------------

BUTTON = """<table role="presentation"><tr><td align="center">
<div><!--[if mso]>
  <v:roundrect href="https://app.example/confirm" style="height:40px;width:200px" fillcolor="#36c">
    <center style="color:#fff">Confirm my address</center>
  </v:roundrect>
<![endif]--><a href="https://app.example/confirm"
   style="background:#36c;color:#fff;display:inline-block;line-height:40px;width:200px;mso-hide:all">Confirm my
   address</a></div>
<!--[if !mso]><!--><p>Shown by every client but Outlook</p><!--<![endif]-->
</td></tr></table>"""


def test_a_bulletproof_button_shows_once_with_its_link():
    text = shown(BUTTON)
    assert text.count("Confirm my address") == 1
    assert "Confirm my address [1]" in text
    assert "Shown by every client but Outlook" in text
    assert urls(BUTTON) == ["https://app.example/confirm"]


def test_rating_buttons_hidden_only_from_outlook_are_all_listed():
    buttons = "".join(f'<td><a href="https://survey.example/rate?score={n}" style="mso-hide:all">{n}</a></td>'
                      for n in range(1, 6))
    body = render_body(f"<table><tr>{buttons}</tr></table>", True)
    assert [link.url for link in body.links] == [f"https://survey.example/rate?score={n}" for n in range(1, 6)]
    assert all(f"{n} [{n}]" in body.text for n in range(1, 6))


# --- links made of images ----------------------------------------------------------------------------------------

def test_a_link_made_of_an_image_is_listed_with_the_images_words():
    html = ('<p><a href="https://deals.example/spring"><img src="b.png" alt="Half price on boots"></a></p>'
            '<p><a href="https://deals.example/logo"><img src="logo.png"></a></p>'
            '<p>Follow us <a href="https://social.example/us"> </a></p>'
            '<p><a href="https://deals.example">Deals</a></p>')
    body = render_body(html, True)
    assert body.text.split("\n\n") == ["[image: Half price on boots] [1]", "[image] [2]", "Follow us [link] [3]",
                                       "Deals [4]"]
    assert [(link.url, link.label) for link in body.links] == [
        ("https://deals.example/spring", "Half price on boots"), ("https://deals.example/logo", "[image]"),
        ("https://social.example/us", "[link]"), ("https://deals.example", "Deals")]
    assert "[4] https://deals.example/\n" in text_with_links(body) + "\n"  # listed as a browser writes it


def test_words_follow_an_image_link_with_a_space():
    assert shown('<p><a href="https://a.example/x"><img alt="Speaker"></a>Our guest this week</p>').startswith(
        "[image: Speaker] [1] Our guest this week")


# --- headings ------------------------------------------------------------------------------------------------------

HEADINGS = """<body><p>Dear reader,</p><h1>  Quarterly <b>results</b></h1><p>Sales rose.</p>
<h3>Next steps<br>and dates</h3><table><tr><td><h2>In a layout cell</h2><p>Cell text</p></td></tr></table>
<h2><span style="display:none">nothing to see</span></h2><p>The end.</p></body>"""


def test_headings_read_as_their_own_lines_without_marks():
    body = render_body(HEADINGS, True)
    assert "#" not in body.text
    assert body.text == ("Dear reader,\n\nQuarterly results\n\nSales rose.\n\nNext steps\nand dates\n\n"
                         "In a layout cell\n\nCell text\n\nThe end.")
    lines = body.text.split("\n")
    assert [lines[n] for n in body.headings] == ["Quarterly results", "Next steps", "and dates", "In a layout cell"]


def test_heading_lines_survive_the_reader_and_the_worker_wire():
    html = "<p>" + "word " * 1000 + "</p>" + HEADINGS  # a line the reader breaks in two
    reader = for_reader(html, True)
    lines = reader.text.split("\n")
    assert [lines[n] for n in reader.headings] == ["Quarterly results", "Next steps", "and dates",
                                                   "In a layout cell"]
    broken = len(lines) - len(text_with_links(render_body(html, True)).split("\n"))
    assert broken == 2 and reader.headings == tuple(n + broken for n in render_body(html, True).headings)
    assert RenderedBody.from_wire(reader.to_wire()) == reader
    assert RenderedBody.from_wire(["old worker", []]) == RenderedBody("old worker")  # a reply without headings
    preview = preview_for_reader(HEADINGS)
    assert [preview.text.split("\n")[n] for n in preview.headings][0] == "Quarterly results"


def test_headings_past_the_display_limit_are_dropped():
    body = render_body("<h1>Top</h1>" + "<p>filler text</p>" * 50 + "<h2>Bottom</h2>", True)
    assert len(body.headings) == 2
    reader = for_reader("<h1>Top</h1>" + "<p>filler text</p>" * 50 + "<h2>Bottom</h2>", True)
    assert len(reader.headings) == 2
    assert for_display(body.text, limit=40).startswith("Top\n\nfiller text")


# --- data tables read as columns, layout tables flatten -----------------------------------------------------------

RECEIPT = """<table role="presentation" width="100%"><tr><td>
<p>Thanks for your order.</p>
<table class="items" width="100%">
  <tr><th align="left">Product</th><th>Qty</th><th align="right">Price</th></tr>
  <tr><td>Green tea, loose leaf</td><td>2</td><td align="right">$12.00</td></tr>
  <tr><td>Teapot</td><td>1</td><td align="right">$34.50</td></tr>
  <tr><td colspan="2"><b>Total</b></td><td align="right"><b>$58.50</b></td></tr>
</table>
<p>We ship within two days.</p>
</td></tr></table>"""


def test_a_receipt_reads_as_aligned_columns():
    text = render_body(RECEIPT, True).text
    rows = text.split("\n")
    table = rows[rows.index("Thanks for your order.") + 2:rows.index("We ship within two days.") - 1]
    assert [re.split(r"\s{2,}", row) for row in table] == [
        ["Product", "Qty", "Price"], ["Green tea, loose leaf", "2", "$12.00"], ["Teapot", "1", "$34.50"],
        ["Total", "$58.50"]]
    ends = {len(row) for row in table[1:]}
    assert len(ends) == 1  # prices right-aligned in one column
    assert table[1].index("2") == table[2].index("1")  # quantities in one column


def test_a_table_of_numbers_without_header_cells_is_data_too():
    html = ("<table><tr><td>Plan</td><td>Period</td><td>Amount</td></tr>"
            "<tr><td></td><td></td><td></td></tr>"
            "<tr><td>Yearly</td><td>May 1, 2024 - May 1, 2025</td><td>$90.00</td></tr></table>")
    assert render_body(html, True).text == ("Plan     Period                      Amount\n"
                                            "Yearly   May 1, 2024 - May 1, 2025   $90.00")


LAYOUT = """<table role="presentation"><tr>
<td width="50%"><h2>Fresh harvest</h2><p>The first flush is in, and it is lighter than last year's.</p>
<p><a href="https://shop.example/first-flush">Taste it</a></p></td>
<td width="50%"><h2>Brewing guide</h2><p>Water at 80 degrees, three minutes.</p></td>
</tr><tr><td><img src="a.png" alt="Cups"></td><td>Since 1998</td></tr></table>"""


def test_a_layout_table_keeps_flattening():
    text = render_body(LAYOUT, True).text
    assert text == ("Fresh harvest\n\nThe first flush is in, and it is lighter than last year's.\n\nTaste it [1]\n\n"
                    "Brewing guide\n\nWater at 80 degrees, three minutes.\n\n[image: Cups]  Since 1998")


def test_a_table_inside_a_table_is_layout_and_the_inner_one_is_judged_alone():
    html = f"<table><tr><td>Order 12</td><td>{RECEIPT}</td></tr><tr><td>Qty 3</td><td>4</td></tr></table>"
    text = render_body(html, True).text
    assert "Order 12" in text and "Qty 3  4" in text
    assert re.search(r"Teapot +1 +\$34\.50", text)


def test_single_row_and_single_column_tables_are_layout():
    assert render_body("<table><tr><td>Logo</td><td>View online</td></tr></table>", True).text == "Logo  View online"
    assert render_body("<table><tr><td>One</td></tr><tr><td>Two 2</td></tr></table>", True).text == "One\nTwo 2"


# --- the safety net ----------------------------------------------------------------------------------------------

def test_a_mail_whose_text_all_sits_in_hidden_looking_wrappers_still_reads():
    words = "".join(f"<p>Paragraph {n} of the newsletter tells you something worth reading.</p>" for n in range(6))
    html = f'<div style="opacity:0">{words}<a href="https://news.example/more">More</a></div>'
    text = shown(html)
    assert "(empty message)" not in text
    assert "Paragraph 5 of the newsletter" in text and "More [1]" in text


def test_a_short_mail_hidden_by_mistake_is_not_empty():
    assert shown('<div style="visibility:hidden">Your code is 493021</div>') == "Your code is 493021"


def test_a_hidden_preheader_stays_hidden_when_the_mail_has_words_of_its_own():
    hidden = ['<div style="display:none">one preheader</div>', '<span style="max-height:0;overflow:hidden">two</span>',
              '<div style="opacity:0">three</div>', '<div style="visibility:hidden">four</div>',
              '<p hidden>five</p>', '<span style="font-size:0;line-height:0">six</span>']
    html = "".join(hidden) + "<p>Hello, here is the actual message.</p>"
    assert shown(html) == "Hello, here is the actual message."


def test_an_empty_mail_is_still_said_to_be_empty():
    assert shown("<html><head><title>t</title></head><body> &nbsp; </body></html>") == "(empty message)"


# --- the structure of sloppy HTML --------------------------------------------------------------------------------

def test_cells_rows_and_paragraphs_close_themselves_as_in_a_browser():
    html = ('<table><tr><td style="display:none">hidden cell<td>shown cell<tr><td>next row</table>'
            '<p style="display:none">hidden paragraph<p>shown paragraph'
            '<ul><li style="display:none">hidden item<li>shown item</ul>')
    text = render_body(html, True).text
    assert "hidden" not in text
    assert all(words in text for words in ("shown cell", "next row", "shown paragraph", "• shown item"))


def test_spacer_rows_of_nbsp_read_as_blank_lines():
    html = ("<table><tr><td>&nbsp;</td><td>First</td></tr><tr><td>&nbsp;</td></tr>"
            "<tr><td>&nbsp;&nbsp;</td><td>Second</td></tr></table>")
    assert render_body(html, True).text == "First\n\nSecond"


# --- what cannot be forged or smuggled --------------------------------------------------------------------------

def test_private_use_marks_in_a_mail_make_no_headings_or_tables():
    html = "<p>\ue005Not a heading</p><p>&#xe005;Nor this &#xe000;x&#xe003;y&#xe001;</p><p><img alt='\ue005a'></p>"
    body = render_body(html, True)
    assert body.headings == ()
    assert body.text == "Not a heading\n\nNor this xy\n\n[image: a]"


def test_control_characters_in_tables_and_headings_stay_visible_placeholders():
    html = ("<h1>Title\x1b[2J</h1><table><tr><th>A&#27;]0;x</th><th>B</th></tr>"
            "<tr><td>x\x07</td><td>1</td></tr><tr><td>y</td><td>2</td></tr></table>")
    text = render_body(html, True).text
    assert "\x1b" not in text and "\x07" not in text
    assert "Title␛[2J" in text and "A␛]0;x" in text and "x␇" in text


# --- wrapping for a terminal -------------------------------------------------------------------------------------

def test_wrapping_breaks_at_words_and_keeps_indentation():
    text = ("A paragraph long enough to need wrapping at a narrow width.\n"
            "  • A list item that also runs past the edge\n"
            "> A quoted line that runs past the edge too")
    assert wrap_for_terminal(text, 24).split("\n") == [
        "A paragraph long enough", "to need wrapping at a", "narrow width.",
        "  • A list item that", "    also runs past the", "    edge",
        "> A quoted line that", "> runs past the edge too"]


def test_wrapping_never_breaks_a_url_that_fits():
    url = "https://example.org/confirm?token=abcdef"
    lines = wrap_for_terminal(f"Please open {url} within a day", 45).split("\n")
    assert lines == ["Please open", url, "within a day"]
    long_url = "https://example.org/" + "x" * 60
    assert wrap_for_terminal(f"Go to {long_url} now", 30).split("\n") == ["Go to", long_url, "now"]


def test_wrapping_counts_wide_characters_twice():
    text = "你好" * 20  # 80 columns, no spaces
    lines = wrap_for_terminal(text, 30).split("\n")
    assert [len(line) for line in lines] == [15, 15, 10]
    assert wrap_for_terminal("注意 " * 10, 20).split("\n")[0] == "注意 注意 注意 注意"


def test_wrapping_keeps_table_cells_whole_and_leaves_short_lines_alone():
    row = "Green tea, loose leaf   2   $12.00"
    assert wrap_for_terminal(row, 80) == row
    assert wrap_for_terminal(row, 24).split("\n") == ["Green tea, loose leaf", "  2   $12.00"]
    assert wrap_for_terminal("a very long unbroken token " + "z" * 30, 12).split("\n")[-3:] == [
        "z" * 12, "z" * 12, "z" * 6]


@pytest.mark.parametrize("width", [20, 40, 80])
def test_wrapped_mail_keeps_every_word_and_fits(width):
    text = text_with_links(render_body(RECEIPT + LAYOUT + COLUMNS, True))
    wrapped = wrap_for_terminal(text, width)
    assert wrapped.split() == text.split()
    for line in wrapped.split("\n"):  # wider only for a URL that is wider alone (with its number in the list)
        assert len(line) <= width or re.fullmatch(r"(?: *\[\d+\] )?https://\S+", line)


def test_a_quoted_receipt_keeps_its_quote_marks():
    text = render_body(f"<p>Thanks!</p><blockquote>{RECEIPT}</blockquote>", True).text
    assert "> Teapot  1  $34.50" in text.split("\n")


def test_padding_cells_make_no_columns():
    html = ("<table><tr><td>&nbsp;</td><td>Name&nbsp;</td><td>Ann</td></tr>"
            "<tr><td>&nbsp;</td><td>Age</td><td>30</td></tr></table>")
    assert render_body(html, True).text == "Name   Ann\nAge    30"
