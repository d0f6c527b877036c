/**
 * Hints that name a dkimctl command repeat the options the user gave to find
 * their project (`--config`, `--key-store`), so the command can be pasted as
 * is: `run 'npx dkimctl keys --config infra/dns/domains.yaml'`. The CLI records
 * those options on the loaded config (Config.invocation); core code builds
 * every such hint here, without knowing the CLI.
 */

/** `'npx dkimctl <command> <options>'`, quoted as messages quote commands. */
export function commandHint(command: string, invocation: readonly string[] = []): string {
  return `'npx dkimctl ${[command, ...invocation.map(shellWord)].join(" ")}'`;
}

/** A word as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
