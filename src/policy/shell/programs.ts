/** What the gate knows about programs: wrappers, shells, interpreters, downloaders, database clients, read-only commands. */

/** Wrappers that run the rest of their arguments as a command; value: options that take a value. */
export const WRAPPERS: Record<string, readonly string[]> = {
  sudo: [
    "-u",
    "-g",
    "-h",
    "-p",
    "-C",
    "-D",
    "-r",
    "-t",
    "-U",
    "-T",
    "-R",
    "--user",
    "--group",
    "--host",
    "--prompt",
    "--chdir",
    "--chroot",
    "--close-from",
    "--other-user",
    "--role",
    "--type",
    "--command-timeout",
  ],
  doas: ["-u", "-C"],
  env: ["-u", "--unset", "-S", "--split-string", "-C", "--chdir"],
  command: [],
  builtin: [],
  exec: ["-a"],
  nohup: [],
  setsid: [],
  coproc: [],
  time: ["-f", "-o", "--format", "--output"],
  nice: ["-n", "--adjustment"],
  ionice: ["-c", "-n", "-p", "--class", "--classdata"],
  timeout: ["-s", "-k", "--signal", "--kill-after"],
  stdbuf: ["-i", "-o", "-e", "--input", "--output", "--error"],
  unbuffer: [],
  caffeinate: [],
  chrt: [],
  taskset: [],
  strace: ["-e", "-o", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-P", "-S", "-X"],
  ltrace: ["-e", "-o", "-p", "-s", "-u", "-a", "-A", "-D", "-F", "-l", "-n", "-x"],
  busybox: [],
  toybox: [],
  chroot: ["--userspec", "--groups"],
  unshare: ["--mount-proc", "--setgroups", "--map-user", "--map-group", "--wd", "-w", "-S", "-G", "--setuid", "--setgid", "-R", "--root"],
  setpriv: [
    "--reuid",
    "--regid",
    "--groups",
    "--inh-caps",
    "--ambient-caps",
    "--bounding-set",
    "--securebits",
    "--selinux-label",
    "--apparmor-profile",
    "--pdeathsig",
  ],
  runcon: ["-u", "-r", "-t", "-l"],
  nsenter: ["-t", "--target", "-S", "-G", "--setuid", "--setgid", "-w", "--wd", "-r", "--root"],
  script: ["-c", "--command", "-E", "--echo", "-I", "-O", "-B", "-T", "--log-in", "--log-out", "--log-io", "--log-timing"],
  xargs: [
    "-I",
    "-n",
    "-P",
    "-L",
    "-d",
    "-E",
    "-s",
    "-a",
    "--max-args",
    "--max-procs",
    "--delimiter",
    "--arg-file",
    "--max-lines",
    "--eof",
    "--max-chars",
  ],
  parallel: [
    "-j",
    "--jobs",
    "-S",
    "--sshlogin",
    "-I",
    "--colsep",
    "-d",
    "--delimiter",
    "-a",
    "--arg-file",
    "--joblog",
    "--results",
    "--tmpdir",
  ],
  flock: ["-w", "-E", "--timeout", "--conflict-exit-code", "-c", "--command"],
};
/** Wrappers whose first operand is theirs (a duration, a priority, a mask, a lock file, a new root), not the command's. */
export const WRAPPER_POSITIONAL: Record<string, number> = { timeout: 1, chrt: 1, taskset: 1, flock: 1, chroot: 1 };

export const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "ash", "mksh", "fish", "rbash", "csh", "tcsh", "yash", "posh"]);
export const SU = new Set(["su", "runuser", "sg"]);

/** Interpreters and the flags that hand them program text inline. */
export const INLINE_CODE: Record<string, readonly string[]> = {
  python: ["-c"],
  pypy: ["-c"],
  node: ["-e", "--eval", "-p", "--print"],
  nodejs: ["-e", "--eval", "-p", "--print"],
  bun: ["-e", "--eval", "-p", "--print"],
  deno: ["eval"],
  perl: ["-e", "-E"],
  ruby: ["-e"],
  php: ["-r"],
  lua: ["-e"],
  rscript: ["-e"],
  osascript: ["-e"],
  pwsh: ["-c", "-command"],
  powershell: ["-c", "-command"],
  tclsh: [],
  awk: [],
  gawk: [],
  jshell: [],
};
export const interpreterOf = (program: string): string | null => {
  const p = program.toLowerCase().replace(/[0-9.]+$/, "");
  return p in INLINE_CODE ? p : null;
};

export const DOWNLOADERS = new Set([
  "curl",
  "wget",
  "fetch",
  "aria2c",
  "http",
  "https",
  "xh",
  "lwp-download",
  "lwp-request",
  "nc",
  "ncat",
  "netcat",
  "socat",
  "telnet",
  "openssl",
]);

/** Database clients and how SQL reaches them on the command line. */
export const DB_CLIENTS: Record<string, { flags: readonly string[]; positionalSql?: number; sub?: string }> = {
  cockroach: { flags: ["-e", "--execute"], sub: "sql" },
  clickhouse: { flags: ["-q", "--query"], sub: "client" },
  psql: { flags: ["-c", "--command"] },
  mysql: { flags: ["-e", "--execute"] },
  mariadb: { flags: ["-e", "--execute"] },
  sqlite3: { flags: ["-cmd"], positionalSql: 1 },
  sqlcmd: { flags: ["-Q", "-q"] },
  "clickhouse-client": { flags: ["-q", "--query"] },
  duckdb: { flags: ["-c"], positionalSql: 1 },
  mongosh: { flags: ["--eval"] },
  pgcli: { flags: ["-e", "--execute"] },
  usql: { flags: ["-c", "--command"] },
  mycli: { flags: ["-e", "--execute"] },
  "clickhouse-local": { flags: ["-q", "--query"] },
  mongo: { flags: ["--eval"] },
};

/** Programs that make file systems or write raw block devices. */
export const DEVICE_TOOLS =
  /^(sg_dd|mkfs(\..+)?|mk[a-z0-9]*fs|mke2fs|mkswap|wipefs|fdisk|sfdisk|cfdisk|gdisk|sgdisk|parted|blkdiscard|cryptsetup|hdparm|badblocks|ddrescue|dd_rescue|pvcreate|vgcreate|lvcreate|pvremove|vgremove|lvremove|sg_format|sg_sanitize|mdadm|zpool|losetup|e2fsck|fsck(\..+)?|tune2fs|resize2fs|debugfs)$/;

/** Commands that change no state, whatever their arguments (file writes via redirection are seen separately). */
export const READ_ONLY = new Set(
  (
    "ls cat head tail wc grep egrep fgrep rg ag ack jq yq echo printf pwd cd pushd popd which type whereis file stat du df tree " +
    "uniq cut tr diff cmp comm basename dirname realpath readlink printenv date whoami id uname hostname true false test [ " +
    "nl less more column fold od hexdump md5sum sha1sum sha256sum sha512sum cksum tac rev seq sleep expr ps wait " +
    "strings paste join fmt look getconf nproc free uptime locale tput"
  ).split(" "),
);

/** Commands a read-only task may run only without these options. */
export const READ_ONLY_UNLESS: Record<string, RegExp> = {
  sed: /^(-[A-Za-z]*i|--in-pl|--in-place)/,
  find: /^-(delete|exec|execdir|ok|okdir|fprint|fprint0|fprintf|fls)$/,
  sort: /^(-o|--output)/,
  xxd: /^-r$/,
  env: /./, // env with options may run a command; bare `env` is handled as a wrapper
};

/** Recursive flags of the commands whose recursion matters to the rules. */
export const RECURSIVE = new Set(["-r", "-R", "--recursive"]);
