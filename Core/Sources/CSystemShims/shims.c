#define _GNU_SOURCE
#include "CSystemShims.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/stat.h>

long esign_copy_file_range(int in_fd, long long *in_offset, int out_fd, size_t length) {
#if defined(__linux__)
    loff_t offset = (loff_t)*in_offset;
    ssize_t n = copy_file_range(in_fd, &offset, out_fd, NULL, length, 0);
    *in_offset = (long long)offset;
    return (long)n;
#else
    (void)in_fd; (void)in_offset; (void)out_fd; (void)length;
    errno = ENOSYS;
    return -1;
#endif
}

int esign_open_unnamed(const char *directory, int mode) {
#if defined(__linux__) && defined(O_TMPFILE)
    return open(directory, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
#else
    (void)directory; (void)mode;
    errno = ENOSYS;
    return -1;
#endif
}

int esign_publish_unnamed(int fd, const char *path) {
#if defined(__linux__)
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    return linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
#else
    (void)fd; (void)path;
    errno = ENOSYS;
    return -1;
#endif
}

int esign_exchange_names(const char *from, const char *to) {
#if defined(__linux__) && defined(RENAME_EXCHANGE)
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_EXCHANGE);
#else
    (void)from; (void)to;
    errno = ENOSYS;
    return -1;
#endif
}

int esign_set_direct_io(int fd, int on) {
#if defined(__linux__) && defined(O_DIRECT)
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) return -1;
    flags = on ? (flags | O_DIRECT) : (flags & ~O_DIRECT);
    return fcntl(fd, F_SETFL, flags);
#else
    (void)fd; (void)on;
    errno = ENOSYS;
    return -1;
#endif
}

#if defined(__GLIBC__)
#include <malloc.h>
int esign_keep_freed_memory(size_t mmap_threshold, size_t trim_threshold) {
    return mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) && mallopt(M_TRIM_THRESHOLD, (int)trim_threshold);
}
#else
int esign_keep_freed_memory(size_t mmap_threshold, size_t trim_threshold) {
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
}
#endif

int esign_file_is_cached(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    struct stat info;
    int result = -1;
    if (fstat(fd, &info) == 0 && info.st_size > 0) {
        long page = sysconf(_SC_PAGESIZE);
        void *map = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
        if (map != MAP_FAILED) {
            unsigned char resident = 0;
            if (mincore(map, (size_t)page, &resident) == 0) result = resident & 1;
            munmap(map, (size_t)page);
        }
    }
    close(fd);
    return result;
}

int esign_prefetch_file(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int result = posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED) == 0 ? 0 : -1;
    close(fd);
    return result;
}

void *esign_folder_open(const char *path) { return opendir(path); }

const char *esign_folder_next(void *folder, char *kind) {
    DIR *directory = folder;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL) {
        const char *name = entry->d_name;
        if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
        switch (entry->d_type) {
        case DT_DIR: *kind = 'd'; break;
        case DT_REG: *kind = 'f'; break;
        case DT_LNK:
        case DT_UNKNOWN: {
            struct stat status;
            if (fstatat(dirfd(directory), name, &status, 0) != 0) {
                *kind = 'x';
            } else {
                *kind = S_ISDIR(status.st_mode) ? 'd' : (S_ISREG(status.st_mode) ? 'f' : 'o');
            }
            break;
        }
        default: *kind = 'o'; break;
        }
        return name;
    }
    return NULL;
}

void esign_folder_close(void *folder) { closedir(folder); }
