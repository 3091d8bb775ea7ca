"""Write the golden SQL of every revision (``nox -s golden``): migrations/sql/<rev>.<kind>.sql."""

from activity_stats_schema.migrate import GOLDEN_DIR, golden_files


def main() -> None:
    GOLDEN_DIR.mkdir(exist_ok=True)
    wanted = golden_files()
    for stale in set(GOLDEN_DIR.glob("*.sql")) - set(wanted):
        stale.unlink()
        print(f"removed {stale.name}")
    for path, text in sorted(wanted.items()):
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
