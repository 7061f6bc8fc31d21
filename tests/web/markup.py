"""Reading the pages the tests get: elements by class, accessible names and labels.

A small HTML tree is built with the standard library's parser, so the tests can ask what a
browser's accessibility tree would show: the button named ``Pull into Build`` and whether it
is disabled, the list labelled ``Build doing`` and its cards, the text of ``role="alert"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text)
        return " ".join("".join(parts).split())

    def walk(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        wanted = {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()}
        return [
            element
            for element in self.walk()
            if (tag is None or element.tag == tag)
            and all(_matches(element, key, value) for key, value in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} elements <{tag} {attrs}>"
        return found[0]

    def buttons(self) -> list[Element]:
        return self.find_all("button")

    def button(self, name: str) -> Element:
        """The one button whose text (its accessible name) is ``name``."""
        found = [button for button in self.buttons() if button.text == name]
        assert len(found) == 1, f"{len(found)} buttons named {name!r}: {self.button_names()}"
        return found[0]

    def button_names(self) -> list[str]:
        return [button.text for button in self.buttons()]

    def has_button(self, name: str) -> bool:
        return any(button.text == name for button in self.buttons())

    @property
    def disabled(self) -> bool:
        return "disabled" in self.attrs

    def lane(self, label: str) -> Element:
        return self.one("ul", aria_label=label)

    def cards(self, label: str) -> list[int]:
        """The item numbers of the cards in the lane labelled ``label``, top to bottom."""
        return [
            int(card.attrs["data-item"])
            for card in self.lane(label).find_all("li")
            if "card" in card.attrs.get("class", "").split()
        ]

    def stage(self, name: str) -> Element:
        return self.one("section", data_stage=name)

    def label_for(self, text: str) -> Element:
        """The control labelled exactly ``text``."""
        labels = [label for label in self.find_all("label") if label.text == text]
        assert len(labels) == 1, f"{len(labels)} labels {text!r}"
        return self.one(id=labels[0].attrs["for"])

    def alert(self) -> str:
        return self.one(role="alert").text


def _matches(element: Element, key: str, value: str) -> bool:
    if key == "class":
        return value in element.attrs.get("class", "").split()
    return element.attrs.get(key) == value


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {key: value or "" for key, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {key: value or "" for key, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
