"""Every string a person reads is marked for translation, and the Chinese catalog has them all.

The scanners live in tests/i18n_scan.py. A few modules are being rewritten by others and will mark
their strings when they land (SKIP_PYTHON); the allow-lists below are text that is the same in
every language, each with its reason.
"""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.i18n_scan import (
    ROOT,
    scan_python,
    scan_sentences,
    scan_template,
    template_env,
    unmarked_python,
    unmarked_scripts,
    unmarked_sentences,
    unmarked_templates,
)

# Not the interface: the command line speaks to operators (in English, like its --help), and the demo
# data is what its people wrote (what people write stays as written).
SKIP_PYTHON = {str(path.relative_to(ROOT)) for pattern in ("cli*.py", "demo*.py")
               for path in (ROOT / "forum").glob(pattern)}
# Template text that is not words: the brand in the title, an address pattern, a tag name, an email's
# signature line (the brand and the site's address).
ALLOWED_TEMPLATE_TEXT = {
    "base.html": {"\ue000Sounding Board\ue000 · Sounding Board"},
    "board/manage.html": {"/boards/\ue000"},
    "concepts/_macros.html": {'\ue000 class="concept-card-title">'},  # <{{ heading }} ...>: a tag, not text
    "email/_footer.txt": {"-- \nSounding Board · \ue000\n\ue000\n\ue000\n\ue000"},
}
# Sentences in Python that are not for the interface's reader, each with its reason.
ALLOWED_SENTENCES = {
    # The OpenAPI document is for programmers, in English like the contract it describes.
    "forum/api/openapi.py": {""}, "forum/api/openapi_research.py": {""},
    # A regular expression's verbose comments.
    "forum/markup.py": {"opening parentheses, trimmed again by bleach"},
    # The questions' codes' English wording: translated where shown (forum/web/words.py PRICE_WORDS).
    "forum/services/price_checks.py": {"At what price would it"},
    # The body of a test delivery: a machine reads it (the webhook payload is a published contract).
    "forum/services/webhooks.py": {"A test from Sounding Board."},
}
CATALOG = ROOT / "forum" / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2), "plural_forms": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def test_the_scanners_find_unmarked_text():
    """The checks below can fail: plain text, a plain attribute, a plain flash() are found."""
    env = template_env()
    assert scan_template("<p>Hello there</p>", env) == ["Hello there"]
    assert scan_template('<a title="Go home" href="/">{{ _("Home") }}</a>', env) == ['title="Go home"']
    assert scan_template("{{ post_button(url, 'Delete this') }}", env) == ["'Delete this'"]
    assert scan_template('<p>{{ _("Hello %(name)s", name=n) }}</p>', env) == []
    assert scan_python("flash('Saved.')") and scan_python("raise NotFound(f'No {x}.')")
    assert scan_python("name = StringField('Name')") and not scan_python("name = StringField(_l('Name'))")
    assert scan_python("flash(f'You follow {x}.' + ' More.')") and scan_python("raise Conflict('A ' + b)")
    assert scan_python("raise ValidationError(_('Check.'), {'f': ['Plain words.']})")
    assert scan_python("notifications.notify(uid, 'kind', f'{x} replied.', url)")
    assert scan_python("mail.queue(user, 'kind', 'Your subject', 'template')")
    assert scan_python("jsonify(error='Bad request', message=_('x'))")
    assert not scan_python("notifications.notify(uid, 'kind', _l('%(x)s replied.', x=x), url)")
    assert scan_python("notifications.notify(uid, 'kind', _('%(x)s replied.', x=x), url)")  # the actor's language
    assert scan_python("mail.queue(user, 'kind', str(subject), 'template')")


def test_the_sentence_scanner_finds_messages_built_anywhere():
    """A message returned by a helper or appended to a list is found; one wrapped by gettext, a log
    line, a developer's exception, a docstring are not."""
    assert scan_sentences("def f(x):\n    return None, f'Enter a price for {x}.'\n")
    assert scan_sentences("out.append(f'Your price ({a}) is higher than {b} of answers.')")
    assert scan_sentences("NOTE = (f'Appears once {N} people have answered.')")
    assert not scan_sentences("out.append(_('Your price is higher than %(b)s of answers.', b=b))")
    assert not scan_sentences("log.warning('The sender stopped, will retry.')")
    assert not scan_sentences("raise ValueError('Follow exactly one of them.')")
    assert not scan_sentences("def f():\n    'A docstring says what it does.'\n")
    assert not scan_sentences("X = N_('A post has at most %(limit)s lines.')")


def test_every_template_string_is_marked():
    assert unmarked_templates(ALLOWED_TEMPLATE_TEXT) == {}


def test_every_python_string_people_read_is_marked():
    assert unmarked_python(SKIP_PYTHON) == {}


def test_no_sentence_in_python_is_left_unmarked():
    assert unmarked_sentences(SKIP_PYTHON, ALLOWED_SENTENCES) == {}


def test_every_script_string_people_read_is_marked():
    assert unmarked_scripts() == {}


def _extracted() -> dict[object, set[str]]:
    method_map, options_map = parse_mapping_cfg(open(ROOT / "babel.cfg"))
    found: dict[object, set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        if not filename.startswith((".venv", "tests")):
            found.setdefault(message if isinstance(message, str) else tuple(message), set()).add(filename)
    return found


def test_the_chinese_catalog_has_every_message_translated():
    """What the code marks today (extracted now, not the .pot) is in the Chinese catalog, translated,
    not fuzzy, with the same placeholders. Run scripts/i18n.sh and translate what this names."""
    catalog = read_po(CATALOG.open("rb"), locale="zh_Hans")
    missing, empty, fuzzy, placeholders = [], [], [], []
    for msgid, files in sorted(_extracted().items(), key=str):
        entry = catalog.get(msgid if isinstance(msgid, str) else msgid)
        if entry is None:
            missing.append(f"{msgid!r} ({', '.join(sorted(files))})")
            continue
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if not all(strings):
            empty.append(repr(msgid))
        if entry.fuzzy:
            fuzzy.append(repr(msgid))
        if isinstance(msgid, str):
            wrong = any(set(PLACEHOLDER.findall(s)) != set(PLACEHOLDER.findall(msgid)) for s in strings if s)
        else:  # one Chinese form for both: it may use the count that only the plural names
            allowed = set(PLACEHOLDER.findall(msgid[0])) | set(PLACEHOLDER.findall(msgid[1]))
            wrong = any(not set(PLACEHOLDER.findall(s)) <= allowed for s in strings if s)
        if wrong:
            placeholders.append(repr(msgid))
    assert not missing, "not in the Chinese catalog:\n" + "\n".join(missing)
    assert not empty and not fuzzy and not placeholders, (empty, fuzzy, placeholders)


def test_the_compiled_catalog_is_there():
    """A fresh clone compiles the catalogs in scripts/_venv.sh (both README commands run it)."""
    assert "pybabel compile" in Path(ROOT / "scripts" / "_venv.sh").read_text()
    assert CATALOG.with_suffix(".mo").exists()
