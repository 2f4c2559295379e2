// Linux system calls that Swift's Glibc module does not import (they need _GNU_SOURCE).
#ifndef ESIGN_SYSTEM_SHIMS_H
#define ESIGN_SYSTEM_SHIMS_H
#include <stddef.h>
#include <sys/types.h>

/// copy_file_range(2) from the current offset of `in_fd` + `*in_offset` to the end of `out_fd`;
/// returns -1 with errno ENOSYS where the system has no such call.
long esign_copy_file_range(int in_fd, long long *in_offset, int out_fd, size_t length);

/// Opens an unnamed file in `directory` (O_TMPFILE): it has no name until published, so a crash
/// or a failure can never leave a partial file behind. Returns -1 where unsupported.
int esign_open_unnamed(const char *directory, int mode);
/// Gives the unnamed file `fd` the name `path`; fails with EEXIST if the name exists (never overwrites).
int esign_publish_unnamed(int fd, const char *path);

/// Turns O_DIRECT on or off for an open file (writes then bypass the page cache; buffers, offsets
/// and lengths must be block-aligned). Returns 0, or -1 where the file system refuses it.
int esign_set_direct_io(int fd, int on);

/// Swaps the names `from` and `to` atomically (renameat2 with RENAME_EXCHANGE); both must exist.
/// Returns 0, or -1 (errno ENOSYS/EINVAL where the system or file system cannot).
int esign_exchange_names(const char *from, const char *to);

/// glibc's malloc: blocks up to `mmap_threshold` bytes come from the heap, and a freed heap top
/// is returned to the kernel only beyond `trim_threshold` bytes (mallopt M_MMAP_THRESHOLD,
/// M_TRIM_THRESHOLD). Returns 0 where the C library has no such settings.
int esign_keep_freed_memory(size_t mmap_threshold, size_t trim_threshold);

/// Whether the first page of the file at `path` is in the page cache (mincore): 1 yes, 0 no,
/// -1 unknown (cannot open or map it, or an empty file).
int esign_file_is_cached(const char *path);

/// Asks the kernel to read the file at `path` into the page cache in the background
/// (posix_fadvise POSIX_FADV_WILLNEED); returns at once. 0, or -1 where it cannot.
int esign_prefetch_file(const char *path);

/// Reads the folder at `path` (NULL, errno set, when it cannot be read); close it with
/// esign_folder_close.
void *esign_folder_open(const char *path);
/// The folder's next entry but "." and "..": its name (valid until the next call), and in `kind`
/// 'd' a folder, 'f' a regular file, 'o' anything else that exists, 'x' a symbolic link to
/// nothing (links are followed). The kind comes from the folder itself (d_type), so a folder of
/// 1,000 files costs no stat calls; only links, and file systems that give no type, are asked
/// with fstatat. NULL at the end.
const char *esign_folder_next(void *folder, char *kind);
void esign_folder_close(void *folder);
#endif
