// Runs once, when MongoDB initialises its data directory (docker-entrypoint-initdb.d):
// one user per service, readWrite on its own database only. Passwords come from the
// environment compose passes in; a missing one stops the initialisation.
for (const service of ["reservation", "frontdesk", "housekeeping", "feedback", "loyalty"]) {
  const password = process.env[`MONGODB_PASSWORD_${service.toUpperCase()}`];
  if (!password) {
    throw new Error(`MONGODB_PASSWORD_${service.toUpperCase()} is not set`);
  }
  db.getSiblingDB(service).createUser({
    user: service, pwd: password, roles: [{ role: "readWrite", db: service }],
  });
}
