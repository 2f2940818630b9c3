export default async function globalTeardown(): Promise<void> {
  // Filled in as the suite starts servers of its own (Temporal dev server, embedded PostgreSQL).
}
