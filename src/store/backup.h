/* store/backup.h — copying a whole database file while servers run (backup) and putting
 * one back while none does (restore). SQLite only: PostgreSQL has pg_dump
 * (docs/operations.md). Not part of store_ops: an operator's tool, not a per-request method. */
#ifndef TA_STORE_BACKUP_H
#define TA_STORE_BACKUP_H

#include <stddef.h>

#include "util/err.h"

struct backup_report {
    long long pages; /* database pages copied */
    char why[256];   /* on failure: one line for the operator */
};

/* Copies the database of url (sqlite:PATH) into the new file dest with SQLite's online
 * backup API, in one step: one read snapshot, so the copy is the database as of the
 * moment the copy started, while writers go on. Written to dest.partial, checked with
 * PRAGMA integrity_check, made a self-contained rollback-journal file, then renamed. */
ta_err store_backup(const char *url, const char *dest, struct backup_report *rep);

/* Replaces the database of url by the backup src (integrity-checked first). Refuses
 * (TA_E_CONFLICT) while any process has the database open: a running server would keep
 * its own view of pages that change underneath it. */
ta_err store_restore(const char *url, const char *src, struct backup_report *rep);

#endif
