//! Memory that reading a long list leaves behind, given back to the system.
//!
//! A flights list is read on a runtime thread: its body and the parse's buffers are freed once
//! the pane holds the list, but glibc's allocator keeps freed pages in each thread's arena for
//! reuse, so the console would stay as large as its largest read, a size that grows with the
//! operation. Trimming after such a read leaves what the console holds.

/// Flights in a list from which a read is worth a trim: below it, what is freed is small.
pub const LONG_LIST: usize = 2_000;

/// Returns the free pages of every arena to the system.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory the allocator holds; no live allocation
    // moves or changes.
    unsafe {
        libc::malloc_trim(0);
    }
}
