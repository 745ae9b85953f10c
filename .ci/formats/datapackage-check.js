// Validates a Fiscal Data Package with frictionless' own library and reads its rows with their types.
// Usage: node datapackage-check.js path/to/datapackage.json
const { Package, Profile } = require("datapackage");

(async () => {
  const pkg = await Package.load(process.argv[2]);
  if (!pkg.valid) {
    console.error("datapackage: invalid:\n" + pkg.errors.map((e) => "  " + e.message).join("\n"));
    process.exit(1);
  }
  // The fiscal model too: frictionless' Fiscal Data Package schema (a tabular package with a model).
  const fiscal = (await Profile.load("fiscal-data-package")).validate(pkg.descriptor);
  if (!fiscal.valid) {
    console.error("datapackage: not a Fiscal Data Package:\n" + fiscal.errors.map((e) => "  " + e.message).join("\n"));
    process.exit(1);
  }
  for (const resource of pkg.resources) {
    if (!resource.tabular) { console.error(`datapackage: ${resource.name} is not tabular`); process.exit(1); }
    const rows = await resource.read({ keyed: true, cast: true });
    const headers = resource.headers || [];
    const names = resource.schema.fields.map((f) => f.name);
    if (headers.join() !== names.join()) { console.error(`datapackage: header ${JSON.stringify(headers)} is not the schema's ${JSON.stringify(names)}`); process.exit(1); }
    if (rows.length === 0) { console.error(`datapackage: ${resource.name} has no rows`); process.exit(1); }
    for (const field of resource.schema.fields) {
      for (const row of rows) {
        const v = row[field.name];
        const ok = field.type === "date" ? v instanceof Date && !isNaN(v)
          : field.type === "number" ? typeof v === "number" || (v !== null && typeof v === "object" && typeof v.toFixed === "function")
          : v === null || typeof v === "string";
        if (!ok) { console.error(`datapackage: ${resource.name}.${field.name} read as ${typeof v} (${v}), not ${field.type}`); process.exit(1); }
      }
    }
    console.log(`datapackage: ${pkg.descriptor.name}: ${resource.name} valid, ${rows.length} rows typed (${headers.join(", ")})`);
  }
})().catch((e) => { console.error("datapackage:", e.errors ? e.errors.map((x) => x.message).join("; ") : e.message); process.exit(1); });
