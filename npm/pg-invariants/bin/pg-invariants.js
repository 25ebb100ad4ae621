#!/usr/bin/env node
// The `pg-invariants` command of the npm package: runs the binary of this platform's package
// (`@pg-invariants/linux-x64`, ...), which npm installed as an optional dependency, the way
// esbuild and biome ship theirs. Arguments, stdio and the exit code (0, 101, 2) pass through.
"use strict";

const { spawn } = require("node:child_process");

const PACKAGES = {
  "linux x64": "@pg-invariants/linux-x64",
  "linux arm64": "@pg-invariants/linux-arm64",
  "darwin x64": "@pg-invariants/darwin-x64",
  "darwin arm64": "@pg-invariants/darwin-arm64",
};
const INSTALL = "https://github.com/pg-invariants/pg-invariants/blob/main/docs/install.md";

function fail(message) {
  process.stderr.write(`pg-invariants: ${message}\n`);
  process.exit(2);
}

/** The path of the binary in this platform's package, or a clear error naming what is missing. */
function binaryPath() {
  const platform = `${process.platform} ${process.arch}`;
  const pkg = PACKAGES[platform];
  if (!pkg) {
    fail(
      `no binary is published on npm for ${platform}; build one with ` +
        `\`cargo install pg-invariants\` or use the container image (${INSTALL})`,
    );
  }
  try {
    return require.resolve(`${pkg}/bin/pg-invariants`);
  } catch {
    return fail(
      `the package ${pkg}, which holds the binary for ${platform}, is not installed. ` +
        `npm installs it as an optional dependency of pg-invariants: install again without ` +
        `\`--omit=optional\`/\`--no-optional\`, and with the lock file made on another platform, ` +
        `run \`npm install\` once more here (${INSTALL})`,
    );
  }
}

const child = spawn(binaryPath(), process.argv.slice(2), { stdio: "inherit" });
// Ctrl-C reaches the binary from the terminal (the whole process group): the launcher waits for
// it to stop its server and remove its directory. A SIGTERM or SIGHUP sent to the launcher
// alone is passed on.
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("error", (error) => fail(`could not run ${child.spawnfile}: ${error.message}`));
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code);
  }
});
