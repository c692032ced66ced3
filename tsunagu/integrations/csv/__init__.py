"""CSV files as Japanese businesses make them: CP932 from Excel, or UTF-8 with or without BOM."""
