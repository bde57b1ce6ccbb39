"""Report exports (CSV, XLSX, PDF) built in the background with progress shown."""
