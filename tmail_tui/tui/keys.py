"""Every action's key, in one table: the bindings, the footer, the help screen and the command palette read it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    key: str
    action: str
    label: str  # short, for the footer
    help: str  # a sentence, for the help screen and the command palette
    shown: str = ""  # how the help screen writes the key
    footer: bool | str = True  # "wide": in the footer only when the terminal is wide enough
    short: str = ""  # for the footer of a narrow terminal (default: the label)

    def __post_init__(self) -> None:
        if not self.short:
            object.__setattr__(self, "short", self.label)

    def binding(self) -> Binding:
        # id= lets a user remap the key through Textual's keymap.
        return Binding(self.key, self.action, self.label, show=bool(self.footer), id=self.action)


KEYS = [
    Key("n", "new_random", "New", "Create a new random mailbox; it becomes selected", "n"),
    Key("N", "new_named", "New named", "Create a mailbox with a name and domain you choose", "N", short="Named",
        footer="wide"),
    Key("e", "rename", "Rename", "Change the selected mailbox's name and/or domain", "e", footer=False),
    Key("a", "add_address", "Add", "Add a mailbox you created elsewhere, by its address", "a", footer=False),
    Key("D", "delete_mailbox", "Del box", "Delete the selected mailbox (asks first)", "D", footer=False),
    Key("d", "delete_message", "Delete", "Delete the selected message (asks first)", "d", short="Del",
        footer="wide"),
    Key("s", "save_attachment", "Save", "Save an attachment of the open message (asks which if several)", "s",
        footer="wide"),
    Key("S", "save_all", "Save all", "Save every attachment of the open message", "S", footer=False),
    Key("y", "copy_code", "Code", "Copy the message's verification code", "y"),
    Key("o", "links", "Links", "Open or copy one of the message's links", "o"),
    Key("c", "copy_address", "Copy address", "Copy the selected address to the clipboard", "c", short="Copy"),
    Key("K", "app.change_key", "Change key", "Enter another API key (it is checked, then saved)", "K",
        footer=False),
    Key("A", "arm", "Arm", "Arm the selected box: copy the code (or link) of the mail it waits for as it lands; "
        "A again disarms", "A", footer=False),
    Key("r", "refresh", "Refresh", "Check the selected mailbox for new mail now", "r"),
    Key("slash", "filter", "Search", "Search this box (words, from:, subject:, has:code, after:2d…)", "/"),
    Key("question_mark", "help", "Help", "Show every key", "?"),
    Key("q", "quit", "Quit", "Quit tmail", "q"),
    Key("F", "search_all", "Search all", "Search every mailbox ever made, bodies too (from:, subject:, has:code, "
        "after:2d…)", "F", footer=False),
    Key("L", "label", "Label", "Label the selected mailbox with what the address was for", "L", footer=False),
    Key("vertical_line", "pipe", "Pipe", "Pipe the open message to a command (as .eml or as text)", "|",
        footer=False),
    Key("v", "source", "Source", "Show the open message's headers and raw source", "v", footer=False),
]

NAVIGATION = [
    ("j k  ↑ ↓  Space", "Move in a list, or scroll the message (Space: a page)"),
    ("PgUp PgDn  g G", "Page up and down, first and last"),
    ("Drag, ctrl+c", "Select text in the message with the mouse, copy it"),
    ("Enter", "Open the highlighted message"),
    ("Escape", "Back to the message list; clear the search of the box"),
    ("Tab  Shift+Tab", "Switch pane"),
    ("ctrl+p", "Command palette: every action by name"),
]
