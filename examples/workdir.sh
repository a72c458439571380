# Sourced by the example scripts: claim_workdir NAME DIR makes DIR the
# script's work directory. Only a directory an example script made (it holds
# the marker file .evidence-example-run) is removed and rebuilt; an empty one
# is used as is; anything else is refused (exit 2) before anything is
# touched, so a mistyped workdir never loses data.
claim_workdir() {
    local name="$1" work="$2" marker=".evidence-example-run"
    if [ -L "$work" ] || { [ -e "$work" ] && [ ! -d "$work" ]; }; then
        echo "$name: $work: not a directory; refusing to replace it" >&2
        exit 2
    fi
    if [ -d "$work" ] && [ ! -f "$work/$marker" ] && [ -n "$(ls -A "$work")" ]; then
        echo "$name: $work: directory not made by $name (no $marker in it) and not empty; refusing to remove it" >&2
        exit 2
    fi
    if [ -f "$work/$marker" ]; then rm -rf "$work"; fi
    mkdir -p "$work"
    echo "made by examples/$name; the next run removes this directory" > "$work/$marker"
}
