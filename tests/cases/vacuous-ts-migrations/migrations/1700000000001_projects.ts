import { MigrationBuilder } from 'node-pg-migrate';
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.createTable('projects', { id: 'id', org_id: { type: 'integer', references: 'organizations' } });
}
