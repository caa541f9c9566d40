"""Exports of a concept's raw answers: CSV files and one workbook, streamed in flat memory.

Each table is a generator over a server-side cursor (`yield_per`: PostgreSQL streams the rows, SQLite
steps its cursor), written to CSV in chunks of about 64 KB, so a million rows start at once and never
sit in memory together. The workbook uses xlsxwriter's constant-memory mode (each row goes to a
temporary file as it is written) and is then sent in chunks.

Columns (a published contract, see the README and /api/v1/openapi.json):

* prices.csv  respondent,too_cheap,cheap,expensive,too_expensive,intent_cheap,intent_expensive,answered_at
* votes.csv   respondent,feature,vote,voted_at
* kano.csv    respondent,feature,functional,dysfunctional,category,answered_at
* posts.csv   post,respondent,reply_to,replies,official,created_at,text
* gabor_granger.csv, maxdiff.csv: see forum.services.research_exports

Every table then has one `segment:<question>` column per profile question of the concept: the
person's answer, empty when not answered or when fewer than 5 counted people gave that answer (the
privacy floor, forum.services.demand.segments), so nobody in a small group can be told apart.

`respondent` is a pseudonym (forum.services.pseudonyms), or the username of someone who chose to be
credited. An empty cell means "not answered". The rows are the answers that count in the summary
(suspended people's are left out while the suspension lasts), so the summary recomputed from the
files gives the same numbers. Free text that a spreadsheet would run as a formula (starting with
= + - @) gets a leading apostrophe in the CSV (OWASP's advice); the workbook stores text as text.
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import aliased

from forum.analytics import kano
from forum.extensions import db
from forum.models import Concept, Feature, FeatureVote, KanoAnswer, Post, PriceResponse, Topic, User
from forum.services import demand, research_exports
from forum.services.pseudonyms import Pseudonymizer
from forum.services.research_exports import Extras

YIELD_PER = 2000
CHUNK = 64 * 1024
MEMO_SIZE = 4096  # cells remembered per export (see _formatter)
XLSX_MAX_ROWS = 1_048_576

PRICE_COLUMNS = ("respondent", "too_cheap", "cheap", "expensive", "too_expensive", "intent_cheap",
                 "intent_expensive", "answered_at")
VOTE_COLUMNS = ("respondent", "feature", "vote", "voted_at")
KANO_COLUMNS = ("respondent", "feature", "functional", "dysfunctional", "category", "answered_at")
POST_COLUMNS = ("post", "respondent", "reply_to", "replies", "official", "created_at", "text")


def _price_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def iso_time(value: datetime | str | None) -> str:
    """ISO 8601 in UTC to the second: "2026-11-29T12:21:21Z"."""
    if value is None:
        return ""
    if isinstance(value, str):  # SQLite's stored text "2026-11-29 12:21:21.123456", read raw (fast)
        return f"{value[:10]}T{value[11:19]}Z"
    return value.isoformat(timespec="seconds") + "Z"


def _raw(column: Any) -> Any:
    """Read a column without SQLAlchemy's per-row conversion (SQLite's DateTime parsing and Numeric
    to Decimal cost more than the whole query at a million rows): prices come as the driver gives
    them (float / int on SQLite, Decimal on PostgreSQL), times as text or datetime (see iso_time)."""
    return type_coerce(column, String)


Execute = Callable[..., Any]


def _stream(stmt: Any, execute: Execute | None) -> Iterator[Any]:
    run = execute or db.session.execute
    yield from run(stmt.execution_options(yield_per=YIELD_PER, stream_results=True))


def _counted(concept_id: int) -> Any:
    return demand.counted(concept_id)


# --- the tables, as rows of Python values --------------------------------------------------------

def _who(concept_id: int, key: bytes | None, names: bool) -> Callable[[int, str | None, bool], str]:
    """The respondent column: a pseudonym, or the username of someone who chose to be credited when
    the export goes to their organization (`names`)."""
    pseudonym = Pseudonymizer(concept_id, key)
    if names:
        return pseudonym
    return lambda user_id, _username, _credited: pseudonym(user_id)


def price_rows(concept_id: int, execute: Execute | None = None,
               key: bytes | None = None, names: bool = False,
               extras: Extras | None = None) -> Iterator[tuple[Any, ...]]:
    PR = PriceResponse
    who = _who(concept_id, key, names)
    stmt = (select(PR.user_id, User.username, User.credit_by_name, _raw(PR.too_cheap), _raw(PR.cheap),
                   _raw(PR.expensive), _raw(PR.too_expensive), PR.intent_cheap, PR.intent_expensive,
                   _raw(PR.updated_at))
            .join(User, User.id == PR.user_id)
            .where(PR.concept_id == concept_id, _counted(concept_id)).order_by(PR.id))
    for user_id, username, credited, tc, c, e, te, ic, ie, when in _stream(stmt, execute):
        yield (who(user_id, username, credited), tc, c, e, te, ic, ie, iso_time(when), *_cells(extras, user_id))


def vote_rows(concept_id: int, execute: Execute | None = None,
              key: bytes | None = None, names: bool = False,
               extras: Extras | None = None) -> Iterator[tuple[Any, ...]]:
    who = _who(concept_id, key, names)
    stmt = (select(FeatureVote.user_id, User.username, User.credit_by_name, Feature.title, FeatureVote.value,
                   _raw(FeatureVote.updated_at))
            .join(Feature, Feature.id == FeatureVote.feature_id)
            .join(User, User.id == FeatureVote.user_id)
            .where(Feature.concept_id == concept_id, Feature.retired_at.is_(None), _counted(concept_id))
            .order_by(FeatureVote.id))
    for user_id, username, credited, title, value, when in _stream(stmt, execute):
        yield (who(user_id, username, credited), title, "for" if value > 0 else "against", iso_time(when),
               *_cells(extras, user_id))


def kano_rows(concept_id: int, execute: Execute | None = None,
              key: bytes | None = None, names: bool = False,
               extras: Extras | None = None) -> Iterator[tuple[Any, ...]]:
    who = _who(concept_id, key, names)
    stmt = (select(KanoAnswer.user_id, User.username, User.credit_by_name, Feature.title,
                   KanoAnswer.functional, KanoAnswer.dysfunctional, _raw(KanoAnswer.updated_at))
            .join(Feature, Feature.id == KanoAnswer.feature_id)
            .join(User, User.id == KanoAnswer.user_id)
            .where(Feature.concept_id == concept_id, Feature.retired_at.is_(None), _counted(concept_id))
            .order_by(KanoAnswer.id))
    for user_id, username, credited, title, functional, dysfunctional, when in _stream(stmt, execute):
        try:
            category = kano.classify(functional, dysfunctional)
        except (KeyError, ValueError):
            category = ""
        yield (who(user_id, username, credited), title, functional, dysfunctional, category, iso_time(when),
               *_cells(extras, user_id))


def post_rows(concept_id: int, execute: Execute | None = None,
              key: bytes | None = None, names: bool = False,
               extras: Extras | None = None) -> Iterator[tuple[Any, ...]]:
    who = _who(concept_id, key, names)
    reply = aliased(Post)
    replies = (select(reply.reply_to_id.label("post_id"), func.count().label("n"))
               .where(reply.deleted_at.is_(None), reply.hidden_at.is_(None)).group_by(reply.reply_to_id)
               .subquery())
    stmt = (select(Post.id, Post.author_id, User.username, User.credit_by_name, Post.reply_to_id,
                   func.coalesce(replies.c.n, 0), Post.official_organization_id, Post.created_at,
                   Post.body_source)
            .join(Topic, Topic.id == Post.topic_id)
            .outerjoin(User, User.id == Post.author_id)
            .outerjoin(replies, replies.c.post_id == Post.id)
            .where(Topic.concept_id == concept_id, Post.deleted_at.is_(None), Post.hidden_at.is_(None))
            .order_by(Post.id))
    for post_id, author_id, username, credited, reply_to, count, official, when, body in _stream(stmt, execute):
        respondent = "" if author_id is None else who(author_id, username, bool(credited))
        yield (post_id, respondent, reply_to, int(count), "yes" if official else "no", iso_time(when), body,
               *_cells(extras, author_id))


def _cells(extras: Extras | None, user_id: int | None) -> tuple[str, ...]:
    return extras.of(user_id) if extras is not None else ()


def gabor_granger_rows(concept_id: int, execute: Execute | None = None, key: bytes | None = None,
                       names: bool = False, extras: Extras | None = None) -> Iterator[tuple[Any, ...]]:
    who = _who(concept_id, key, names)
    facts = extras.facts if extras is not None else _facts(concept_id)
    run = lambda stmt: _stream(stmt, execute)  # noqa: E731
    for user_id, username, credited, price, answer, when in research_exports.gabor_granger_rows(facts, run, _raw):
        yield (who(user_id, username, credited), price, answer, iso_time(when), *_cells(extras, user_id))


def maxdiff_rows(concept_id: int, execute: Execute | None = None, key: bytes | None = None,
                 names: bool = False, extras: Extras | None = None) -> Iterator[tuple[Any, ...]]:
    who = _who(concept_id, key, names)
    facts = extras.facts if extras is not None else _facts(concept_id)
    run = lambda stmt: _stream(stmt, execute)  # noqa: E731
    for user_id, username, credited, *values, when in research_exports.maxdiff_rows(facts, run, _raw):
        yield (who(user_id, username, credited), *values, iso_time(when), *_cells(extras, user_id))


def _facts(concept_id: int) -> research_exports.Facts:
    return research_exports.facts(db.session.get(Concept, concept_id))


# --- CSV ------------------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return _price_text(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _formatter() -> Callable[[Any], Any]:
    """_cell with a small memo: prices, titles and intents repeat across a million rows. Moments
    (one per row, rarely repeated) are never remembered, and the memo stops growing at a few
    thousand values, so that an export's memory stays flat."""
    memo: dict[Any, Any] = {}

    def cell(value: Any) -> Any:
        try:
            return memo[value]
        except KeyError:
            out = _cell(value)
            if len(memo) < MEMO_SIZE and not isinstance(value, datetime):
                memo[value] = out
            return out
        except TypeError:  # unhashable: never in these tables
            return _cell(value)

    return cell


def csv_chunks(columns: Iterable[str], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """The CSV text in chunks of about 64 KB: the header first, at once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    cell = _formatter()
    batch: list[list[Any]] = []
    for row in rows:
        batch.append([cell(value) for value in row])
        if len(batch) >= 500:
            writer.writerows(batch)
            batch.clear()
            if buffer.tell() >= CHUNK:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    writer.writerows(batch)
    if buffer.tell():
        yield buffer.getvalue()


TABLES: dict[str, tuple[tuple[str, ...], Callable[..., Iterator[tuple[Any, ...]]]]] = {
    "prices": (PRICE_COLUMNS, price_rows),
    "votes": (VOTE_COLUMNS, vote_rows),
    "kano": (KANO_COLUMNS, kano_rows),
    "posts": (POST_COLUMNS, post_rows),
    "gabor_granger": (research_exports.GABOR_GRANGER_COLUMNS, gabor_granger_rows),
    "maxdiff": (research_exports.MAXDIFF_COLUMNS, maxdiff_rows),
}


def csv_export(concept_id: int, table: str, execute: Execute | None = None,
               key: bytes | None = None, names: bool = False, extras: Extras | None = None) -> Iterator[str]:
    """One table as CSV chunks. With `execute` (a Connection's), it needs no app context: the API
    streams it after the view has returned. `names`: credited people by username (for their
    organization only), else everyone by pseudonym."""
    columns, rows = TABLES[table]
    extra_columns = extras.columns if extras is not None else ()
    return csv_chunks((*columns, *extra_columns), rows(concept_id, execute, key, names, extras))


# --- the workbook ---------------------------------------------------------------------------------

def _xlsx_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime):
        return iso_time(value)
    return value


def _sheets(concept: Concept) -> Iterator[tuple[str, tuple[str, ...], Callable[..., Any], Extras]]:
    """The workbook's raw tables: (name, columns with the segment columns, rows, extras); a research
    question the concept does not ask has no sheet."""
    extras = research_exports.extras(concept)
    for table, (columns, rows) in TABLES.items():
        if (table == "gabor_granger" and not concept.ladder) or (table == "maxdiff" and not concept.maxdiff_enabled):
            continue
        yield table, (*columns, *extras.columns), rows, extras


def write_workbook(concept: Concept, summary: dict[str, Any], path: str, names: bool = False) -> None:
    """A workbook at `path`: a summary sheet, then one sheet per raw table (continued on further
    sheets past Excel's 1,048,576 rows)."""
    import xlsxwriter  # heavy, and needed only when a workbook is asked for

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tempfile.gettempdir(),
                                          "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    _write_summary(workbook.add_worksheet("summary"), summary, bold)
    for table, columns, rows, extras in _sheets(concept):
        _write_table(workbook, table, columns, rows(concept.id, names=names, extras=extras), bold)
    workbook.close()


def _write_header(sheet: Any, row: int, columns: Iterable[str], bold: Any) -> None:
    for col, name in enumerate(columns):
        sheet.write_string(row, col, name, bold)


def _write_summary(sheet: Any, summary: dict[str, Any], bold: Any) -> None:
    """The summary sheet: the concept, its price figures (when asked), then its features ranked."""
    row = 0
    for key in ("concept", "title", "organization", "stage", "participants", "generated_at"):
        sheet.write_string(row, 0, key, bold)
        sheet.write(row, 1, summary[key])
        row += 1
    price = summary.get("price")
    if price:
        row += 1
        sheet.write_string(row, 0, "price", bold)
        row += 1
        for key, value in price.items():
            sheet.write_string(row, 0, key)
            if value is not None:
                sheet.write(row, 1, value)
            row += 1
    row += 1
    _write_header(sheet, row, ["rank", "title", "votes_for", "votes_against", "score", "kano_category",
                               "better", "worse"], bold)
    for line, feature in enumerate(summary["features"], start=row + 1):
        k = feature.get("kano") or {}
        values = [feature["rank"], feature["title"], feature["votes_for"], feature["votes_against"],
                  feature["score"], k.get("category"), k.get("better"), k.get("worse")]
        for col, value in enumerate(values):
            if value is not None:
                sheet.write(line, col, value)


def _write_table(workbook: Any, table: str, columns: tuple[str, ...], rows: Iterable[Any], bold: Any) -> None:
    """One raw table on its sheet, continued on further sheets past Excel's row limit (its header
    alone when it has no rows)."""
    part, sheet_row, sheet = 1, 0, None
    for values in rows:
        if sheet is None or sheet_row >= XLSX_MAX_ROWS:
            sheet = workbook.add_worksheet(table if part == 1 else f"{table} ({part})")
            part += 1
            _write_header(sheet, 0, columns, bold)
            sheet_row = 1
        for col, value in enumerate(values):
            value = _xlsx_value(value)
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(sheet_row, col, value)
            else:
                sheet.write_number(sheet_row, col, value)
        sheet_row += 1
    if sheet is None:
        _write_header(workbook.add_worksheet(table), 0, columns, bold)


def xlsx_export(concept: Concept, summary: dict[str, Any], names: bool = False) -> Iterator[bytes]:
    """The workbook's bytes in 64 KB chunks; its temporary file is gone once they are sent."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="sb-export-")
    os.close(handle)
    try:
        write_workbook(concept, summary, path, names)
    except BaseException:
        os.unlink(path)
        raise

    def chunks() -> Iterator[bytes]:
        try:
            with open(path, "rb") as fh:
                while True:
                    block = fh.read(CHUNK)
                    if not block:
                        break
                    yield block
        finally:
            os.unlink(path)

    return chunks()
