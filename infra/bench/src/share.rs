//! Lambda's CPU share: a function gets CPU in proportion to its memory, one
//! full vCPU at 1,769 MB (so about a seventh of one at 256 MB). A process
//! the benchmark runs "at 256 MB" runs in a cgroup of its own whose CPU
//! quota is that share of one core: cgroup v1's `cpu.cfs_quota_us` under
//! `/sys/fs/cgroup/cpu`, or v2's `cpu.max`. Setting one needs root; when it
//! cannot be set, the report says so rather than measuring without it.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The memory at which Lambda gives one full vCPU.
pub const FULL_VCPU_MB: u32 = 1769;
/// The scheduler period the quota is a part of.
const PERIOD_US: u64 = 100_000;

/// A cgroup whose processes get `memory_mb`'s share of one core; removed
/// when dropped.
pub struct CpuShare {
    pub memory_mb: u32,
    dir: PathBuf,
}

impl CpuShare {
    /// The share of one core for `memory_mb` (1.0 from 1,769 MB on).
    pub fn fraction(memory_mb: u32) -> f64 {
        (f64::from(memory_mb) / f64::from(FULL_VCPU_MB)).min(1.0)
    }

    /// A cgroup for `memory_mb`, or why there cannot be one here.
    pub fn create(memory_mb: u32) -> Result<CpuShare, String> {
        let quota = ((PERIOD_US as f64) * Self::fraction(memory_mb)).round() as u64;
        let name = format!("recovery-bench-{memory_mb}mb-{}", std::process::id());
        let v1 = Path::new("/sys/fs/cgroup/cpu");
        let v2 = Path::new("/sys/fs/cgroup");
        let (dir, files): (PathBuf, Vec<(&str, String)>) = if v1.join("cpu.cfs_quota_us").exists() {
            (
                v1.join(&name),
                vec![
                    ("cpu.cfs_period_us", PERIOD_US.to_string()),
                    ("cpu.cfs_quota_us", quota.to_string()),
                ],
            )
        } else if v2.join("cgroup.controllers").exists() {
            (v2.join(&name), vec![("cpu.max", format!("{quota} {PERIOD_US}"))])
        } else {
            return Err("no cgroup CPU controller is mounted under /sys/fs/cgroup".into());
        };
        std::fs::create_dir(&dir)
            .map_err(|e| format!("cannot create the cgroup {}: {e}", dir.display()))?;
        let share = CpuShare { memory_mb, dir };
        for (file, value) in files {
            std::fs::write(share.dir.join(file), &value)
                .map_err(|e| format!("cannot set {file} = {value}: {e}"))?;
        }
        Ok(share)
    }

    /// Makes `command`'s process join this cgroup before it runs the
    /// program (so its whole start is under the quota). Keep the returned
    /// file until the process is spawned.
    pub fn confine(&self, command: &mut Command) -> std::io::Result<File> {
        let procs = OpenOptions::new().write(true).open(self.dir.join("cgroup.procs"))?;
        let fd = procs.as_raw_fd();
        // SAFETY: between fork and exec the child only writes to a file
        // descriptor it inherited: one `write` system call, no allocation.
        // "0" moves the writing process itself.
        unsafe {
            command.pre_exec(move || {
                let mut file = ManuallyDrop::new(File::from_raw_fd(fd));
                file.write_all(b"0")
            });
        }
        Ok(procs)
    }
}

impl Drop for CpuShare {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_follow_lambdas_memory_to_cpu_rule() {
        assert_eq!(CpuShare::fraction(1769), 1.0);
        assert_eq!(CpuShare::fraction(3008), 1.0);
        assert!((CpuShare::fraction(256) - 0.1447).abs() < 0.001);
        assert!((CpuShare::fraction(128) - 0.0724).abs() < 0.001);
    }
}
