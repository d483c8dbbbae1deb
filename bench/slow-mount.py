#!/usr/bin/python3
"""A slow disk or network share, for measuring by hand how a client reads from one.

Mounts FOLDER read-only at MOUNTPOINT through FUSE, waiting DELAY_MS before every open and every read (and
STAT_DELAY_MS, 0 unless given, before every stat and directory listing). Requests are
served by several threads, so they can overlap, as they do on an SMB share or a cloud block device. Needs Debian's
python3-fusepy (not installed by CI) and /dev/fuse.

    /usr/bin/python3 bench/slow-mount.py FOLDER MOUNTPOINT DELAY_MS [STAT_DELAY_MS]   (umount MOUNTPOINT to stop)

The kernel serializes lookups within one folder on this mount (libfuse 2), so stats of files in one folder do not
overlap however many a client sends; opens and reads do. Drop the page cache before each run (`sync; echo 3 > /proc/sys/vm/drop_caches`, as root): what was read through
the mount once is otherwise served from memory.
"""
import os
import sys
import time

from fusepy import FUSE, FuseOSError, Operations

STAT_FIELDS = ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid')


class SlowMount(Operations):
    def __init__(self, root, delay_s, stat_delay_s):
        self.root = root
        self.delay_s = delay_s
        self.stat_delay_s = stat_delay_s

    def _real(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    def getattr(self, path, fh=None):
        time.sleep(self.stat_delay_s)
        try:
            info = os.lstat(self._real(path))
        except OSError as error:
            raise FuseOSError(error.errno)
        return {field: getattr(info, field) for field in STAT_FIELDS}

    def readdir(self, path, fh):
        time.sleep(self.stat_delay_s)
        # each entry's type goes with its name (as ext4, NTFS and SMB give it), so a listing needs no stat per entry
        folder = self._real(path)
        entries = [(name, {'st_mode': os.lstat(os.path.join(folder, name)).st_mode}, 0) for name in os.listdir(folder)]
        return ['.', '..'] + entries

    def open(self, path, flags):
        time.sleep(self.delay_s)
        return os.open(self._real(path), flags)

    def read(self, path, size, offset, fh):
        time.sleep(self.delay_s)
        return os.pread(fh, size, offset)

    def release(self, path, fh):
        os.close(fh)


if __name__ == '__main__':
    folder, mountpoint, delay_ms = sys.argv[1], sys.argv[2], float(sys.argv[3])
    stat_delay_ms = float(sys.argv[4]) if len(sys.argv) > 4 else 0
    mount = SlowMount(folder, delay_ms / 1000, stat_delay_ms / 1000)
    FUSE(mount, mountpoint, foreground=True, nothreads=False, ro=True)
