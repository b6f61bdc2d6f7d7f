#!/usr/bin/env python3
# Run from the repository root: python3 data/scripts/capture_size.py BYTES_PER_PAGE
# Size of captures on SQLite: the real migrations, 32 KiB pages as eventmap makes them, 10,000
# sources each captured once with a distinct page of SIZE bytes and realistic headers.
import os, sqlite3, glob, json, uuid, time, sys
SIZE = int(sys.argv[1]); N = 10000
path = f'/tmp/eventmap-capture-size-{SIZE}.db'
if os.path.exists(path): os.remove(path)
c = sqlite3.connect(path)
c.execute('PRAGMA page_size = 32768'); c.execute('PRAGMA journal_mode = WAL')
for f in sorted(glob.glob('migrations/sqlite/*.sql')):
    c.executescript(open(f).read().replace(", contentless_delete = 1", ""))
c.commit()
base = os.path.getsize(path)
headers = json.dumps([["content-type","text/html; charset=utf-8"],["date","Tue, 11 Feb 2025 08:02:00 GMT"],["server","nginx"],["cache-control","max-age=300"],["etag","\"5f3a-1a2b3c\""],["last-modified","Tue, 11 Feb 2025 07:40:00 GMT"],["vary","Accept-Encoding"],["x-frame-options","SAMEORIGIN"]])
import hashlib
now = int(time.time()*1000)
for i in range(N):
    sid = str(uuid.uuid4()); url = f'https://news.example.org/2025/02/11/convoy-{i}-held-at-tartus-checkpoint'
    c.execute('INSERT INTO sources (id, url, created_at) VALUES (?,?,?)', (sid, url, now))
    body = os.urandom(SIZE)
    sha = hashlib.sha256(body).hexdigest()
    c.execute('INSERT INTO capture_blobs (sha256,size,bytes) VALUES (?,?,?)', (sha, SIZE, body))
    c.execute("INSERT INTO captures (id, source_id, url, state, attempts, next_at, requested_at, requested_by, captured_at, final_url, status, content_type, headers, size, sha256) VALUES (?,?,?,'captured',1,?,?,?,?,?,200,'text/html; charset=utf-8',?,?,?)",
              (str(uuid.uuid4()), sid, url, now, now, 'editor desk', now, url, headers, SIZE, sha))
c.commit(); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.close()
total = os.path.getsize(path)
# The same without the bodies: what the rows of a capture cost.
c = sqlite3.connect(path); c.execute('DELETE FROM capture_blobs'); c.commit(); c.execute('VACUUM'); c.close()
rows = os.path.getsize(path)
os.remove(path)
print(json.dumps({"page_bytes": SIZE, "captures": N, "db_bytes_total": total - base, "per_capture": (total-base)/N, "rows_only_bytes": rows - base, "rows_per_capture": (rows-base)/N}))
