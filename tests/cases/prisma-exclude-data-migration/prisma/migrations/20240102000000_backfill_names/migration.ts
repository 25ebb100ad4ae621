// Data migration: run by scripts/backfill.ts, not by prisma migrate.
export async function main(): Promise<void> {}
