"""The streaming EPG importer (seed 3.1.5, log section 4.1.8).

One source at a time, one input (feed) at a time:

1. An input whose bytes and settings did not change since the last full import is skipped
   before it is parsed (EpgSource.content_hash).
2. The parser streams the input (epg/parsers/). Per channel: sort, drop exact duplicates, fill
   missing stop times (next start, else start + length), refuse the channel on unusable data
   (times that do not parse, stop before start), apply the hour shifts, and compare with
   EpgChannel.content_hash: an unchanged channel is skipped. Otherwise the programmes in the
   covered time range are replaced (multi-row INSERTs) and the channel's cache generation is
   bumped after commit.
3. Nothing a truncated, malformed or hostile input brought is ever committed, and memory
   stays flat whatever the input's size. Two ways get there:
   - streamed (SMARTY_EPG_STREAMING; by default everywhere but SQLite): a channel is written
     as soon as the input moves on to the next one, while the rest is parsed, inside one
     transaction per input that commits only once the whole input was read. An input that
     lists a channel in more than one place, or a statement the database refuses, rolls it
     back and the input is taken the spooled way;
   - spooled: the programmes are kept in a spool (in memory up to
     SMARTY_EPG_SPOOL_PROGRAMMES, then pickled to a temporary file) until the input is read,
     then written in batches of about SMARTY_EPG_COMMIT_PROGRAMMES programmes per transaction,
     each channel in its own savepoint: a failing channel is undone alone.
4. On MySQL/MariaDB a channel's INSERTs are sent without waiting (MysqlPipeline): the server
   stores one channel while the importer parses and prepares the next.
"""

from .batches import CommitBatches, Spool
from .common import (
    IMPORTER_VERSION,
    LOGGER,
    MAX_FILLED_DURATION,
    ChannelDataError,
    Progress,
    SourceMaps,
    SourceResult,
    channel_key,
    channel_label,
    prepare_programmes,
)
from .source import ChannelPlan, PendingChannel, SourceImport, StoredChannel
from .writer import (
    DELETE_CHUNK,
    Inflight,
    MysqlPipeline,
    ProgramWriter,
    delete_programme_ids,
    delete_programme_rows,
    link_genres,
)

__all__ = [
    "DELETE_CHUNK",
    "IMPORTER_VERSION",
    "LOGGER",
    "MAX_FILLED_DURATION",
    "ChannelDataError",
    "ChannelPlan",
    "CommitBatches",
    "Inflight",
    "MysqlPipeline",
    "PendingChannel",
    "Progress",
    "ProgramWriter",
    "SourceImport",
    "SourceMaps",
    "SourceResult",
    "Spool",
    "StoredChannel",
    "channel_key",
    "channel_label",
    "delete_programme_ids",
    "delete_programme_rows",
    "link_genres",
    "prepare_programmes",
]
