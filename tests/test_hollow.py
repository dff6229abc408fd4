"""Hollow articles and records (`digest.pipeline.hollow`): read without their bodies (fields), indistinguishable once used."""

from __future__ import annotations

import dataclasses
import datetime
import pickle

import pytest

from digest.errors import Location
from digest.graph.model import Article, Passage
from digest.pipeline.hollow import (
    BODY_FIELDS,
    HEAD_FIELDS,
    empty_record,
    hollow_class,
    hollow_record_class,
    is_hollow,
    make_head,
    record_fields,
    reduce_head,
    set_record_fields,
)
from digest.source.schema import Record
from digest.text.anchor import Span
from digest.text.people_match import NameMatch
from digest.text.seedtext import parse_plain


def _article() -> Article:
    text = parse_plain("A title\nJake Sullivan said talks were not useful.\nA second paragraph.", "A title", set())
    return Article(
        "one", "seeds/one.txt", "content/articles/one.yaml", "one", "A title", text, outlet="Outlet", published=datetime.date(2024, 3, 1),
        passages=[Passage("claim", "talks", "claim-talks", Span(0, 0, 4))], names=[[NameMatch(0, 13, "jake-sullivan")], []],
    )


class _Filler:
    """A body source for one article, counting how often it is read."""

    def __init__(self, article: Article):
        self.body = {name: getattr(article, name) for name in BODY_FIELDS}
        self.reads = 0

    def __call__(self, hollow: Article) -> None:
        self.reads += 1
        for name, value in self.body.items():
            object.__setattr__(hollow, name, value)
        hollow.__class__ = Article


def _hollow(article: Article) -> tuple[Article, _Filler]:
    filler = _Filler(article)
    make, values = reduce_head(article)
    hollow = make(*values)
    hollow.__class__ = hollow_class(filler)
    return hollow, filler


def test_the_head_is_read_without_the_body():
    article = _article()
    hollow, filler = _hollow(article)
    assert isinstance(hollow, Article) and is_hollow(hollow)
    assert [getattr(hollow, name) for name in HEAD_FIELDS] == [getattr(article, name) for name in HEAD_FIELDS]
    assert filler.reads == 0, "no head field reads the body"


@pytest.mark.parametrize("use", [
    lambda a: a.text,
    lambda a: a.passages,
    lambda a: a.versions,
    repr,
    lambda a: dataclasses.replace(a, title="Other"),
    lambda a: pickle.loads(pickle.dumps(a)),
    lambda a: a == _article(),
    lambda a: _article() == a,
], ids=["text", "passages", "versions", "repr", "replace", "pickle", "eq", "eq-reflected"])
def test_the_first_use_of_the_body_reads_it_once_and_leaves_a_plain_article(use):
    article = _article()
    hollow, filler = _hollow(article)
    use(hollow)
    assert filler.reads == 1
    assert type(hollow) is Article and not is_hollow(hollow)
    assert hollow == article and repr(hollow) == repr(article)
    hollow.text  # noqa: B018
    assert filler.reads == 1, "read once"


def test_a_hollow_article_reads_and_prints_as_the_article_it_was():
    """The scope check digests an article's repr: a hollow one must give the same bytes, and pickle whole."""
    article = _article()
    assert repr(_hollow(article)[0]) == repr(article)
    again = pickle.loads(pickle.dumps(_hollow(article)[0]))
    assert type(again) is Article and again == article


def test_make_head_leaves_the_body_unset():
    head = make_head(*reduce_head(_article())[1])
    with pytest.raises(AttributeError):
        head.text  # noqa: B018
    hollow, _ = _hollow(_article())
    with pytest.raises(AttributeError):
        hollow.no_such_field  # type: ignore[attr-defined]  # noqa: B018


def _record() -> Record:
    entry = Record(Location("content/articles/one.yaml", 3, 5), {"id": "talks", "text": "Talks."}, {"id": Location("content/articles/one.yaml", 3, 9)})
    return Record(Location("content/articles/one.yaml"), {"outlet": "Outlet", "claims": [entry]}, {"outlet": Location("content/articles/one.yaml", 1, 9)})


class _RecordFiller:
    """The fields of one record, counting how often they are read."""

    def __init__(self, record: Record):
        self.fields = record_fields(record)
        self.reads = 0

    def __call__(self, hollow: Record) -> None:
        self.reads += 1
        set_record_fields(hollow, self.fields)
        hollow.__class__ = Record


def _hollow_record(record: Record) -> tuple[Record, _RecordFiller]:
    filler = _RecordFiller(record)
    hollow = empty_record()
    hollow.__class__ = hollow_record_class(filler)
    return hollow, filler


@pytest.mark.parametrize("use", [
    lambda r: r.values,
    lambda r: r.loc,
    lambda r: r.get("outlet"),
    lambda r: r.where("outlet"),
    lambda r: r.invalid,
    repr,
    lambda r: pickle.loads(pickle.dumps(r)),
    lambda r: r == _record(),
    lambda r: _record() == r,
], ids=["values", "loc", "get", "where", "invalid", "repr", "pickle", "eq", "eq-reflected"])
def test_a_hollow_record_reads_its_fields_once_on_any_use_and_leaves_a_plain_record(use):
    record = _record()
    hollow, filler = _hollow_record(record)
    assert isinstance(hollow, Record) and is_hollow(hollow) and filler.reads == 0
    use(hollow)
    assert filler.reads == 1
    assert type(hollow) is Record and not is_hollow(hollow)
    assert hollow == record and repr(hollow) == repr(record)
    hollow.values  # noqa: B018
    assert filler.reads == 1, "read once"


def test_an_empty_record_has_no_field_and_a_hollow_one_no_other_attribute():
    with pytest.raises(AttributeError):
        empty_record().values  # noqa: B018
    hollow, filler = _hollow_record(_record())
    with pytest.raises(AttributeError):
        hollow.no_such_field  # type: ignore[attr-defined]  # noqa: B018
    assert filler.reads == 0
