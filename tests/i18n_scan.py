"""Finds text people read that is not marked for translation (tests/test_i18n.py runs it).

Templates: every Jinja tag is replaced by a placeholder, the HTML that is left is parsed, and any
text node or readable attribute (title, aria-label, alt, placeholder, data-confirm...) that still
holds a letter is unmarked text. String literals inside Jinja code that read as prose (a capital
then a space, or a sentence's punctuation) and are not the argument of _() / ngettext() are too.

Python: the first argument of flash(), of the domain errors, of Refusal and of a policy's reason,
the label, description and messages of form fields and validators, the per-field messages of a form's
errors, what a notification or an email says, must not be a plain string (nor one glued together with
`+`). Beyond those calls, any sentence in the code (words ending in . ? or !) that no gettext call
wraps is found too: a message built in a helper and returned, or appended to a list.
"""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

from jinja2 import Environment

ROOT = Path(__file__).resolve().parent.parent
HOLE = "\ue000"  # stands for a Jinja tag: not a letter
READABLE_ATTRIBUTES = {"title", "aria-label", "alt", "placeholder", "data-confirm", "aria-description",
                       "aria-roledescription", "label", "data-done", "data-busy", "data-saved"}
MARKERS = {"_", "gettext", "ngettext", "_l", "lazy_gettext", "pgettext", "npgettext"}
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)

# Text that is the same in every language: the brand, symbols, codes a person types.
ALLOWED_TEXT = {"Sounding Board", "◐", "JSON", "CSV", "XLSX", "API", "curl", "Markdown", "Kano",
                "Van Westendorp", "MaxDiff", "Gabor-Granger", "PMC", "PME", "OPP", "IPP", "M", "O", "A",
                "I", "R", "Q", "English", "简体中文", "@", "#", "x", "https://…", "OK", "UTC"}


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre"):
            self._skip += 1
        for name, value in attrs:
            if name in READABLE_ATTRIBUTES and value and _readable(value):
                self.found.append(f'{name}="{value}"')

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _readable(data):
            self.found.append(data.strip())


def _readable(text: str) -> bool:
    text = " ".join(text.replace(HOLE, " ").split())
    if not text or text in ALLOWED_TEXT or re.fullmatch(r"[\w.-]+\.(csv|json|xlsx)", text):
        return False
    return bool(LETTER.search(text))


def _prose(literal: str) -> bool:
    """A string literal in Jinja code that reads as words for people."""
    if literal in ALLOWED_TEXT or not LETTER.search(literal):
        return False
    literal = re.sub(r"^[^\w“\"']+", "", literal)  # "↑ Up", "✓ Done": the words after the symbol
    if re.fullmatch(r"[A-Z][a-z]+", literal):  # a capitalised word: "Delete", "Save"
        return True
    return bool(re.match(r"[A-Z][a-z']*\s", literal) or re.search(r"[a-z][.?!…]$", literal))


def scan_template(source: str, env: Environment) -> list[str]:
    html: list[str] = []
    found: list[str] = []
    depth = 0  # inside _( ... ) / ngettext( ... )
    stack: list[bool] = []
    previous = ""
    for _lineno, kind, value in env.lex(source):
        if kind == "data":
            html.append(value)
            continue
        if kind in ("variable_begin", "block_begin"):
            html.append(HOLE)
        if kind == "operator" and value == "(":
            marked = previous in MARKERS
            stack.append(marked)
            depth += marked
        elif kind == "operator" and value == ")" and stack:
            depth -= stack.pop()
        elif kind == "string" and not depth and _prose(ast.literal_eval(value)):
            found.append(value)
        if kind == "name" and value == "trans":
            depth += 1  # {% trans %} blocks: their text is marked
        if kind == "name" and value == "endtrans":
            depth = max(0, depth - 1)
        previous = value if kind == "name" else ""
    parser = _Html()
    parser.feed("".join(html))
    parser.close()
    return found + parser.found


def template_env() -> Environment:
    return Environment(extensions=["jinja2.ext.i18n"])


def unmarked_templates(allowed: dict[str, set[str]] | None = None) -> dict[str, list[str]]:
    env = template_env()
    result: dict[str, list[str]] = {}
    for path in sorted([*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]):
        name = str(path.relative_to(ROOT / "templates"))
        found = [f for f in scan_template(path.read_text(), env) if f not in (allowed or {}).get(name, set())]
        if found:
            result[name] = found
    return result


# --- Python ------------------------------------------------------------------------------------------

# Calls whose first argument (or `reason` / `message`) is read by a person.
FIRST_ARGUMENT = {"flash", "ValidationError", "NotFound", "Conflict", "PermissionDenied", "DomainError",
                  "Refusal", "abort_with", "RefusedBody", "TooLarge", "BelowFloor", "RateLimited"}
# name -> the place among the arguments of what a person reads: a policy's reason, a form's per-field
# messages, a notification's words, an email's subject, an error response's message.
POLICY_REASON = {"deny": 1, "staff": 1, "_owner": 0, "_fail": 1, "ValidationError": 1, "notify": 2, "_tell": 2,
                 "queue": 2, "api_error": 1, "_error_response": 1, "RefusedBody": 1, "abort": 1,
                 "Refused": 1}
FORM_FIELDS = re.compile(r"[A-Z][A-Za-z]*Field$")
VALIDATORS = {"DataRequired", "InputRequired", "Length", "NumberRange", "Optional", "Email", "Regexp",
              "EqualTo", "AnyOf", "NoneOf", "URL"}
KEYWORDS = {"message", "reason", "label", "description"}


def _plain(node: ast.AST | None) -> bool:
    """A string literal or f-string: text that no gettext call translates (also glued with + or %)."""
    if isinstance(node, ast.IfExp):
        return _plain(node.body) or _plain(node.orelse)
    if isinstance(node, ast.BinOp):
        return _plain(node.left) or _plain(node.right)
    if isinstance(node, ast.List | ast.Tuple):
        return any(_plain(item) for item in node.elts)
    if isinstance(node, ast.Dict):
        return any(_plain(value) for value in node.values)
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)
                                               and bool(LETTER.search(node.value)))


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def scan_python(source: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        suspects: list[ast.AST] = []
        if name in FIRST_ARGUMENT and node.args:
            suspects.append(node.args[0])
        if name in POLICY_REASON and len(node.args) > POLICY_REASON[name]:
            suspects.append(node.args[POLICY_REASON[name]])
        if FORM_FIELDS.search(name) and node.args:
            suspects.append(node.args[0])
        if name in VALIDATORS and node.args and name != "Length" and name != "NumberRange":
            suspects.append(node.args[0])
        if name in FIRST_ARGUMENT | set(POLICY_REASON) | VALIDATORS or FORM_FIELDS.search(name) \
                or name == "jsonify":
            suspects += [k.value for k in node.keywords if k.arg in KEYWORDS | {"error", "title"}]
        for suspect in suspects:
            if _plain(suspect):
                found.append(f"line {suspect.lineno}: {ast.unparse(suspect)[:80]}")
        if name in FOR_SOMEONE_ELSE and len(node.args) > POLICY_REASON[name] \
                and _translated_now(node.args[POLICY_REASON[name]]):
            suspect = node.args[POLICY_REASON[name]]
            found.append(f"line {suspect.lineno}: {ast.unparse(suspect)[:60]} (translated now, in the "
                         "writer's language: pass _l(...) or later(...), read in the reader's)")
    return found


# Words written for someone other than the person making the request (a notification, an email's
# subject): they must stay lazy until they are read in that person's language.
FOR_SOMEONE_ELSE = {"notify", "_tell", "queue"}


def _translated_now(node: ast.AST) -> bool:
    if isinstance(node, ast.IfExp):
        return _translated_now(node.body) or _translated_now(node.orelse)
    if isinstance(node, ast.BinOp):  # str(told) % {...}: filled in now
        return _translated_now(node.left)
    return isinstance(node, ast.Call) and _name(node.func) in {"_", "gettext", "ngettext", "str"}


def _field_errors(tree: ast.AST) -> list[str]:
    """`errors["field"] = ["A plain message."]`: a form's per-field messages."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and "error" in t.value.id
                for t in node.targets) and _plain(node.value):
            found.append(f"line {node.lineno}: {ast.unparse(node.value)[:80]}")
    return found


def unmarked_python(skip: set[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for path in sorted((ROOT / "forum").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in skip or any(name.startswith(prefix) for prefix in skip if prefix.endswith("/")):
            continue
        found = scan_python(path.read_text()) + _field_errors(ast.parse(path.read_text()))
        if found:
            result[name] = found
    return result


# Calls whose strings are for developers and operators, not for people using the forum.
_NOT_FOR_PEOPLE = {"debug", "info", "warning", "error", "exception", "critical", "ValueError", "TypeError",
                   "RuntimeError", "KeyError", "LookupError", "AssertionError", "NotImplementedError"}
_SENTENCE = re.compile(r"""[A-Za-z][a-z'"”’]*\s+\S+\s+\S.*[a-z0-9)}”’"][.?!]”?$""", re.S)


def _text_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):  # an f-string: its holes as {}
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


def scan_sentences(source: str) -> list[str]:
    """Sentences in code (not docstrings, not comments) that no gettext call wraps, nor a call for
    developers (a log line, a ValueError)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        text = _text_of(node)
        parent = parents.get(node)
        if text is None or isinstance(parent, ast.Expr | ast.JoinedStr):  # docstrings; parts of f-strings
            continue
        words = re.sub(r"^[^A-Za-z]+", "", " ".join(text.split()))
        if not _SENTENCE.match(words):
            continue
        while parent is not None and not isinstance(parent, ast.FunctionDef | ast.ClassDef | ast.Module):
            if isinstance(parent, ast.Call) and _name(parent.func) in MARKERS | _NOT_FOR_PEOPLE | {"N_"}:
                break
            parent = parents.get(parent)
        else:
            found.append(f"line {node.lineno}: {words[:80]}")
    return found


def unmarked_sentences(skip: set[str], allowed: dict[str, set[str]]) -> dict[str, list[str]]:
    """`scan_sentences` over forum/, less `skip` and the sentences of each file that start as one of
    its `allowed` texts."""
    result: dict[str, list[str]] = {}
    for path in sorted((ROOT / "forum").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        if name in skip or any(name.startswith(prefix) for prefix in skip if prefix.endswith("/")):
            continue
        found = [f for f in scan_sentences(path.read_text())
                 if not f.split(": ", 1)[1].startswith(tuple(allowed.get(name, ())))]
        if found:
            result[name] = found
    return result


# --- the scripts -----------------------------------------------------------------------------------

# A call that marks words: W.t("key", "fallback"...), W.n("key", n, "one", "other"), sbWords.t(...).
_JS_MARKED = re.compile(r"""(?:\bW|sbWords)\.(?:t|n)\((?:[^()"]|"(?:[^"\\]|\\.)*"|\([^()]*\))*\)""")
_JS_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_JS_CODE_WORDS = {"Accept", "Content-Type", "X-CSRFToken", "X-Requested-With", "Escape", "Enter", "Tab"}


def unmarked_scripts() -> dict[str, list[str]]:
    """Words in static/js that a person could read and that no W.t / W.n call carries."""
    result: dict[str, list[str]] = {}
    for path in sorted((ROOT / "static" / "js").glob("*.js")):
        source = re.sub(r"^\s*//.*$|\s//.*$", "", path.read_text(), flags=re.M)  # comments
        found = []
        for literal in _JS_STRING.findall(_JS_MARKED.sub("", source)):
            if literal in _JS_CODE_WORDS or literal == "use strict" or literal.startswith(("'", "(", ".")) or not re.search(r"[A-Za-z]{2}", literal):
                continue
            if re.fullmatch(r"[a-z0-9 ._#:\[\]=*-]+", literal):  # selectors, class names, codes
                continue
            if re.match(r"[A-Z][a-z]+\b", literal) or " " in literal.strip():
                found.append(repr(literal))
        if found:
            result[path.name] = found
    return result
