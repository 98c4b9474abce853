//! Shared by the benchmarks: run a command and measure it as a user's run would be measured.

use std::process::Command;
use std::time::Instant;

/// Runs a command once; wall seconds, the child's peak resident set (KiB, from wait4) and its exit code.
#[allow(clippy::zombie_processes)] // reaped by wait4, which std cannot call
pub fn timed(cmd: &mut Command) -> (f64, i64, i32) {
    let started = Instant::now();
    let child = cmd.spawn().expect("start the program");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, whose pid we own; std never waits for it afterwards.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let secs = started.elapsed().as_secs_f64();
    assert!(pid > 0 && libc::WIFEXITED(status), "the program did not exit normally (status {status})");
    (secs, usage.ru_maxrss, libc::WEXITSTATUS(status))
}
