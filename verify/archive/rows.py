"""Every table row against the custody log: what must exist, and what it must hold.

The log, whose entries the signed tree heads fix, says which rows verify wrote:

* a ``received`` entry: a receipt (its id, document, number) and the source it names;
* the first ``received`` entry of a document: the document row (its size);
* the last ``extracted`` entry of a document: ``documents.extracted_seq``, status
  ``extracted``, and the record row (``record_sha256``);
* a ``failed`` entry later than the last ``extracted`` one: the quarantine row (its code);
* the first ``matched`` entry of a pair of documents: the link row (verdict, score).

Each version-2 entry also binds the other fields of those rows (``binding``). A row the log
does not call for was inserted; a row it calls for and the table lacks was deleted; a field
that differs was edited. Entries of version 1 (an archive upgraded from an older verify)
bind only what they state in clear, and a quarantine row an older verify wrote without an
entry (a retry's new reason) is counted, not named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from verify.archive import binding
from verify.archive.store import ArchiveStore


@dataclass(frozen=True)
class Problem:
    """One thing that does not verify; rows are named by table, field and key."""

    kind: str
    sha256: str | None
    detail: str
    table: str | None = None
    field: str | None = None


Entry = tuple[int, dict[str, Any]]


@dataclass
class _Document:
    """What the log says about one document."""

    received: Entry
    extracted: Entry | None = None
    failed: Entry | None = None

    @property
    def last_state(self) -> Entry | None:
        """The later of its last 'extracted' and last 'failed' entries."""
        states = [e for e in (self.extracted, self.failed) if e is not None]
        return max(states, key=lambda e: e[0]) if states else None

    @property
    def quarantined(self) -> bool:
        """True when a failure came after the last record (or there is none)."""
        return self.failed is not None and (
            self.extracted is None or self.failed[0] > self.extracted[0]
        )


@dataclass
class LogModel:
    """The rows the log calls for, read from its entries in order."""

    documents: dict[str, _Document] = field(default_factory=dict)
    receipts: dict[str, Entry] = field(default_factory=dict)
    links: dict[tuple[str, str], Entry] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Mapping[int, dict[str, Any]]) -> LogModel:
        """Read the model from the decoded entries (by number)."""
        model = cls()
        for seq in sorted(entries):
            entry = entries[seq]
            event, sha256 = entry.get("event"), entry.get("sha256")
            if not isinstance(sha256, str):
                continue
            if event == "received":
                model.receipts[str(entry.get("receipt"))] = (seq, entry)
                model.documents.setdefault(sha256, _Document((seq, entry)))
            document = model.documents.get(sha256)
            if event == "extracted" and document is not None:
                document.extracted = (seq, entry)
            elif event == "failed" and document is not None:
                document.failed = (seq, entry)
            elif event == "matched":
                a, b = sorted((sha256, str(entry.get("other"))))
                model.links.setdefault((a, b), (seq, entry))
        return model


class RowChecker:
    """Compares the tables with a ``LogModel``; collects ``Problem``s and notes."""

    def __init__(self, store: ArchiveStore, model: LogModel) -> None:
        self.store = store
        self.model = model
        self.salt = binding.salt(store)
        self.problems: list[Problem] = []
        self.unlogged_failures = 0

    def run(self) -> list[Problem]:
        """Every table, in the order rows refer to each other."""
        self.documents()
        self.records()
        receipts = self.receipts()
        self.sources(receipts)
        self.links()
        self.failures()
        return self.problems

    # ------------------------------------------------------------------ helpers
    def _add(
        self, kind: str, table: str, sha256: str | None, detail: str, name: str | None = None
    ) -> None:
        where = f"{table}.{name}" if name else table
        self.problems.append(Problem(kind, sha256, f"{where}: {detail}", table, name))

    def _bound(
        self,
        table: str,
        row: Mapping[str, object],
        entry: Entry,
        names: Iterable[str],
        sha256: str | None,
        what: str,
    ) -> None:
        """Fields of ``row`` against the digests of ``entry`` (skipped for version 1).

        ``what`` names the row where its key is not the document (``"receipt 1a2b…: "``).
        """
        seq, value = entry
        bound = value.get("bind")
        if not isinstance(bound, dict):
            return
        for name in names:
            key = f"{table}.{name}"
            if key in bound and binding.digest(self.salt, key, row.get(name)) != bound[key]:
                self._add(
                    "row_changed",
                    table,
                    sha256,
                    f"{what}edited (it does not match log entry {seq})",
                    name,
                )

    def _rows(self, table: str, key: Callable[[dict[str, Any]], Any]) -> dict[Any, dict[str, Any]]:
        return {key(row): row for row in self.store.rows(table)}

    # ------------------------------------------------------------------ tables
    def documents(self) -> None:
        """Documents: one per received sha256; size, status, record entry, bound fields."""
        rows = self._rows("documents", lambda r: r["sha256"])
        for sha256, known in self.model.documents.items():
            row = rows.get(sha256)
            seq, received = known.received
            if row is None:
                self._add(
                    "row_deleted",
                    "documents",
                    sha256,
                    f"the row was deleted (the log received it at entry {seq})",
                )
                continue
            if row["size"] != received.get("size"):
                self._add(
                    "row_changed", "documents", sha256, f"differs from log entry {seq}", "size"
                )
            status = "extracted" if known.extracted else "failed"
            if row["status"] != status:
                self._add("row_changed", "documents", sha256, f"the log says {status!r}", "status")
            extracted_seq = known.extracted[0] if known.extracted else None
            if row["extracted_seq"] != extracted_seq:
                self._add(
                    "row_changed",
                    "documents",
                    sha256,
                    f"the log's last 'extracted' entry is {extracted_seq}",
                    "extracted_seq",
                )
            if known.last_state is not None:
                names = binding.DOCUMENT_FIELDS
                self._bound("documents", row, known.last_state, names, sha256, "")
        for sha256 in rows.keys() - self.model.documents.keys():
            self._add(
                "row_inserted", "documents", sha256, "a row no 'received' log entry accounts for"
            )

    def records(self) -> None:
        """Records: one per extracted document, equal to its last 'extracted' entry.

        Streamed, row by row: this table holds every record's JSON.
        """
        from verify.archive.ingest import record_digest

        expected = {s: d.extracted for s, d in self.model.documents.items() if d.extracted}
        seen: set[str] = set()
        for row in self.store.rows("records"):
            sha256 = str(row["sha256"])
            seen.add(sha256)
            entry = expected.get(sha256)
            if entry is None:
                self._add(
                    "row_inserted",
                    "records",
                    sha256,
                    "a record no 'extracted' log entry accounts for",
                )
                continue
            seq, value = entry
            text = row["record"]
            if not isinstance(text, str) or record_digest(text) != value.get("record_sha256"):
                self._add(
                    "row_changed",
                    "records",
                    sha256,
                    f"the stored record does not match log entry {seq}",
                    "record",
                )
            self._bound("records", row, entry, ["fingerprints"], sha256, "")
            if "bind" not in value:
                self._readable_fingerprints(sha256, row.get("fingerprints"))
        for sha256 in expected.keys() - seen:
            seq = expected[sha256][0]
            self._add(
                "row_deleted", "records", sha256, f"the record of log entry {seq} was deleted"
            )

    def _readable_fingerprints(self, sha256: str, text: object) -> None:
        """Version-1 records bind no fingerprints: at least they must parse."""
        if text is None:
            return
        try:
            value = json.loads(str(text))
            ok = isinstance(value, dict)
        except ValueError:
            ok = False
        if not ok:
            self._add("row_changed", "records", sha256, "unreadable (damaged) JSON", "fingerprints")

    def receipts(self) -> dict[str, dict[str, Any]]:
        """Receipts: one per 'received' entry, with its document, number and bound fields."""
        rows = self._rows("receipts", lambda r: r["id"])
        for receipt_id, entry in self.model.receipts.items():
            seq, value = entry
            sha256 = value.get("sha256")
            row = rows.get(receipt_id)
            if row is None:
                self._add(
                    "row_deleted",
                    "receipts",
                    sha256 if isinstance(sha256, str) else None,
                    f"receipt {receipt_id[:16]}… of log entry {seq} was deleted",
                )
                continue
            what = f"receipt {receipt_id[:16]}…"
            if row["sha256"] != sha256:
                self._add(
                    "row_changed",
                    "receipts",
                    row["sha256"],
                    f"{what} names another document",
                    "sha256",
                )
            if row["seq"] != seq:
                self._add(
                    "row_changed", "receipts", row["sha256"], f"{what}: its entry is {seq}", "seq"
                )
            self._bound("receipts", row, entry, binding.RECEIPT_FIELDS, row["sha256"], what + ": ")
        for receipt_id in rows.keys() - self.model.receipts.keys():
            self._add(
                "row_inserted",
                "receipts",
                rows[receipt_id]["sha256"],
                f"receipt {receipt_id[:16]}… has no 'received' log entry",
            )
        return rows

    def sources(self, receipts: Mapping[str, dict[str, Any]]) -> None:
        """Sources: each one a receipt names, its name and creation bound by the entries."""
        rows = self._rows("sources", lambda r: r["id"])
        named: set[str] = set()
        for receipt_id, receipt in receipts.items():
            source_id = str(receipt["source_id"])
            entry = self.model.receipts.get(receipt_id)
            row = rows.get(source_id)
            if row is None:
                if source_id not in named:
                    self._add(
                        "row_deleted",
                        "sources",
                        receipt["sha256"],
                        f"source {source_id[:16]}…, named by receipts, was deleted",
                    )
                named.add(source_id)
                continue
            if entry is None or source_id in named:
                continue
            before = len(self.problems)
            self._bound(
                "sources", row, entry, binding.SOURCE_FIELDS, None, f"source {source_id[:16]}…: "
            )
            if len(self.problems) > before:
                named.add(source_id)
        used = {str(r["source_id"]) for r in receipts.values()}
        for source_id in rows.keys() - used:
            self._add("row_inserted", "sources", None, f"source {source_id[:16]}… has no receipt")

    def links(self) -> None:
        """Links: one per pair of the first 'matched' entry, its verdict and score."""
        rows = self._rows("links", lambda r: (r["sha256"], r["other"]))
        for pair, entry in self.model.links.items():
            seq, value = entry
            row = rows.get(pair)
            what = f"link {pair[0][:12]}…–{pair[1][:12]}…"
            if row is None:
                self._add(
                    "row_deleted",
                    "links",
                    pair[0],
                    f"{what} ({value.get('verdict')}, log entry {seq}) was deleted",
                )
                continue
            for name, expected in (
                ("verdict", value.get("verdict")),
                ("score", value.get("score")),
                ("seq", seq),
            ):
                if row[name] != expected:
                    self._add(
                        "row_changed",
                        "links",
                        pair[0],
                        f"{what} says {row[name]!r}, log entry {seq} says {expected!r}",
                        name,
                    )
        for pair in rows.keys() - self.model.links.keys():
            self._add(
                "row_inserted",
                "links",
                pair[0],
                f"link {pair[0][:12]}…–{pair[1][:12]}… has no 'matched' log entry",
            )

    def failures(self) -> None:
        """Quarantine: a row for each document whose last 'failed' entry is its newest."""
        rows = self._rows("failures", lambda r: r["sha256"])
        expected = {s: d for s, d in self.model.documents.items() if d.quarantined}
        for sha256, known in expected.items():
            assert known.failed is not None
            seq, value = known.failed
            row = rows.get(sha256)
            if row is None:
                self._add(
                    "row_deleted",
                    "failures",
                    sha256,
                    f"the quarantine row of log entry {seq} was deleted",
                )
                continue
            if row["code"] != value.get("code"):
                self._add(
                    "row_changed", "failures", sha256, f"differs from log entry {seq}", "code"
                )
            names = binding.FAILURE_FIELDS
            self._bound("failures", row, known.failed, names, sha256, "")
        for sha256 in rows.keys() - expected.keys():
            document = self.model.documents.get(sha256)
            state = document.last_state if document else None
            if state is not None and "bind" not in state[1]:
                self.unlogged_failures += 1  # an older verify's retry or reextract
                continue
            self._add(
                "row_inserted",
                "failures",
                sha256,
                "a quarantine row no 'failed' log entry accounts for",
            )
