"""An archive folder: where things are, how it is created and opened.

Layout (docs/archive.md): ``archive.json`` (format marker), ``archive.sqlite`` (the store,
WAL), ``originals/`` (write-once bytes), ``keys/signing.key`` (0600) and
``keys/signing.pub``, ``index/`` (the persisted match index, rebuilt from stored
fingerprints whenever it is missing or stale), ``cache/`` (the OCR cache, so
``archive reextract`` never re-runs tesseract on an unchanged page), ``heads/`` (every
signed tree head, kept outside the database, and the latest as a checkpoint).

An archive made with ``database=`` (``archive init --database postgresql://...``) keeps its
tables in that PostgreSQL database instead of ``archive.sqlite``: ``archive.json`` names the
URL (never a password: ``postgres_store.check_url``), and ``open_archive`` connects to it;
the folder keeps the originals, keys, index, cache and ``heads/`` as before. Nothing else
opens a connection.

A new archive signs a tree head of size 0 at once: an archive always has a signed head,
so one whose heads were all deleted is seen as such.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from verify.archive import custody, signing
from verify.archive.archive_index import MatchState
from verify.archive.heads import FOLDER as HEADS_FOLDER
from verify.archive.heads import HeadsFile
from verify.archive.originals import Originals, disk_error
from verify.archive.private import FOLDER_MODE, create_private_file, tighten
from verify.archive.sources import SourceCipher
from verify.archive.sqlite_store import DEFAULT_BUSY_TIMEOUT_S, SQLiteStore
from verify.archive.store import ArchiveStore
from verify.errors import ArchiveError, VerifyError
from verify.key_id import key_id, names_key

FORMAT = "verify.archive/1"
MARKER = "archive.json"
DATABASE = "archive.sqlite"
PASSPHRASE_ENV = "VERIFY_ARCHIVE_PASSPHRASE"


@dataclass
class Archive:
    """An open archive: its folder, store, originals and (lazily) its keys and index.

    ``matching`` is what matching keeps between this archive's batches (its indexes, the
    archived records parsed): a caller that keeps the archive open between batches keeps it.
    """

    root: Path
    store: ArchiveStore
    originals: Originals
    passphrase: str | None = None
    matching: MatchState = field(default_factory=MatchState, repr=False)
    _cipher: SourceCipher | None = field(default=None, repr=False)
    _private: Ed25519PrivateKey | None = field(default=None, repr=False)

    @property
    def key_path(self) -> Path:
        """The private signing key."""
        return self.root / "keys" / "signing.key"

    @property
    def public_key_path(self) -> Path:
        """The public key, to hand to whoever checks a proof."""
        return self.root / "keys" / "signing.pub"

    @property
    def heads(self) -> HeadsFile:
        """The copy of the signed tree heads outside the database."""
        return HeadsFile(self.root / HEADS_FOLDER)

    @property
    def index_dir(self) -> Path:
        """The persisted match index."""
        return self.root / "index"

    @property
    def cache_dir(self) -> Path:
        """The OCR cache of this archive."""
        return self.root / "cache"

    @property
    def encrypts_sources(self) -> bool:
        """True when source names, notes and paths are stored encrypted."""
        return self.store.get_meta("sources_salt") is not None

    def cipher(self) -> SourceCipher:
        """The source cipher (asks for nothing when sources are stored in plain text)."""
        if self._cipher is None:
            salt = self.store.get_meta("sources_salt")
            if salt is None:
                self._cipher = SourceCipher()
            else:
                check = self.store.get_meta("sources_check") or ""
                self._cipher = SourceCipher.open(self.passphrase, salt, check)
        return self._cipher

    def private_key(self) -> Ed25519PrivateKey:
        """The signing key (needs the passphrase when it is encrypted)."""
        if self._private is None:
            self._private = signing.load_private_key(self.key_path, self.passphrase)
            expected = self.store.get_meta("key_id")
            if expected and not names_key(expected, self._private.public_key()):
                raise ArchiveError(
                    f"{self.key_path} is not the key this archive was created with "
                    f"(key id {expected[:16]}…): restore the original key"
                )
        return self._private

    def public_key(self) -> Ed25519PublicKey:
        """The archive's public key, from ``keys/signing.pub``."""
        return signing.load_public_key(self.public_key_path)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def init_archive(
    root: Path,
    *,
    encrypt_sources: bool = False,
    encrypt_key: bool = False,
    passphrase: str | None = None,
    database: str | None = None,
) -> Archive:
    """Create a new archive folder with its database and signing key.

    ``encrypt_sources`` stores source names, notes and paths encrypted; ``encrypt_key``
    encrypts the private key. Both use ``passphrase``, which is then required.
    ``database`` is a PostgreSQL URL (without a password) to keep the tables in, instead
    of ``archive.sqlite`` in the folder; it must hold no archive yet.
    """
    if database is not None:
        from verify.archive.postgres_store import check_url

        check_url(database)  # before anything is created
    if (encrypt_sources or encrypt_key) and not passphrase:
        raise ArchiveError(
            f"--encrypt-sources and --encrypt-key need a passphrase: set {PASSPHRASE_ENV} "
            "or run on a terminal to be asked for one"
        )
    if (root / MARKER).exists() or (root / DATABASE).exists():
        raise ArchiveError(f"{root} is already an archive: use it, or choose another folder")
    if root.exists() and any(root.iterdir()):
        raise ArchiveError(f"{root} exists and is not empty: choose a new or empty folder")
    created = False
    store: ArchiveStore | None = None
    try:
        created = not root.exists()
        for folder in (root, root / "originals", root / "keys", root / "cache"):
            folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        tighten(root)  # owner-only before anything is written (README, "Archive")
        store = _create_store(root, database)
        private = signing.create_key(
            root / "keys" / "signing.key",
            root / "keys" / "signing.pub",
            passphrase if encrypt_key else None,
        )
        kid = key_id(private.public_key())
        # One transaction with the head of the empty log: a database either holds a whole
        # archive or none (a failed init into PostgreSQL can be run again).
        with custody.transaction(store, private, HeadsFile(root / HEADS_FOLDER)):
            store.set_meta("format", FORMAT)
            store.set_meta("key_id", kid)
            if encrypt_sources:
                assert passphrase is not None
                cipher, meta = SourceCipher.create(passphrase)
                for key, value in meta.items():
                    store.set_meta(key, value)
        marker: dict[str, object] = {
            "format": FORMAT,
            "key_id": kid,
            "encrypt_sources": encrypt_sources,
        }
        if database is not None:
            marker["database"] = database
        (root / MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        tighten(root)
    except OSError as error:
        _abandon(root, created, store)
        raise disk_error(error, f"cannot create the archive {root}") from error
    except VerifyError:
        _abandon(root, created, store)
        raise
    return Archive(root, store, Originals(root / "originals"), passphrase, _private=private)


def _abandon(root: Path, created: bool, store: ArchiveStore | None) -> None:
    """Undo a failed ``init_archive``: close its store, remove the folder it created."""
    if store is not None:
        store.close()
    if created:
        shutil.rmtree(root, ignore_errors=True)


def _create_store(root: Path, database: str | None) -> ArchiveStore:
    """The new archive's store: ``archive.sqlite`` in the folder, or the PostgreSQL database."""
    if database is None:
        create_private_file(root / DATABASE)  # SQLite's -wal/-shm copy its mode
        return SQLiteStore(root / DATABASE, create=True)
    from verify.archive.postgres_store import PostgresStore

    return PostgresStore(database, create=True)


def open_archive(
    root: Path,
    *,
    passphrase: str | None = None,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT_S,
    readonly: bool = False,
) -> Archive:
    """Open an existing archive; ArchiveError when ``root`` is not one.

    ``readonly`` opens the database read-only (``archive verify``, ``show``, ``search``,
    ``archive head``): it works on a read-only copy and can change nothing.
    """
    marker = root / MARKER
    if not marker.is_file():
        raise ArchiveError(
            f"{root} is not an archive (no {MARKER}): create one with `verify archive init {root}`"
        )
    try:
        settings = json.loads(marker.read_text(encoding="utf-8"))
        fmt = settings.get("format")
        database = settings.get("database")
    except (OSError, ValueError, AttributeError) as error:
        raise ArchiveError(f"{marker} is unreadable: {error}") from error
    if fmt != FORMAT:
        raise ArchiveError(f"{root} holds {fmt!r}, this verify reads {FORMAT}: upgrade verify")
    store: ArchiveStore
    if database is None:
        store = SQLiteStore(root / DATABASE, busy_timeout=busy_timeout, readonly=readonly)
    else:
        from verify.archive.postgres_store import PostgresStore

        if not isinstance(database, str):
            raise ArchiveError(f"{marker}: 'database' is not a URL: {database!r}")
        store = PostgresStore(database, lock_timeout=busy_timeout, readonly=readonly)
    return Archive(root, store, Originals(root / "originals"), passphrase)
