import CSystemShims

/// How a process keeps the memory it frees. glibc hands a worker thread's freed heap top back to
/// the kernel at once (and serves blocks over 128 KiB with mmap): a batch that reads, canonicalises
/// and frees a document per file then pays page faults and TLB flushes for every one (a fifth of
/// a batch verification of XML documents). Kept instead, within bounds a server can afford.
public enum ProcessMemory {
    /// Called once, early, by a process that signs or verifies many documents.
    public static func keepFreedMemoryForReuse() {
        _ = esign_keep_freed_memory(16 << 20, 64 << 20)
    }
}
