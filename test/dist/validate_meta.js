'use strict';
// Checks a META.json against the PGXN Meta Spec 1.0.0
// (https://pgxn.org/spec/): the required keys and the type and form of every
// key the spec defines.  No validator of the spec is packaged for Debian or
// npm, so its rules are written out here.  With --tree DIR it also checks
// the distribution: every provides.*.file and docfile exists under DIR and
// provides.pg_ot.version is the control file's default_version.
//
//   node test/dist/validate_meta.js META.json [--tree DIR]
// Prints each violation; exits 1 if there is one.
const fs = require('fs');
const path = require('path');

const [file, ...rest] = process.argv.slice(2);
const tree = rest[0] === '--tree' ? rest[1] : null;
const errors = [];
const fail = (where, what) => errors.push(`${where}: ${what}`);

// SemVer 1.0.0 as the spec requires (it predates SemVer 2's build metadata).
const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+)?$/;
// A term: at least two characters, no slash, backslash, control or space.
const term = (s) => typeof s === 'string' && s.length >= 2 && !/[\/\\\s\x00-\x1f\x7f]/.test(s);
const tag = (s) => typeof s === 'string' && s.length >= 1 && s.length <= 255 && !/[\/\\\x00-\x1f\x7f]/.test(s);
const licenses = new Set(['agpl_3', 'apache_1_1', 'apache_2_0', 'artistic_1', 'artistic_2', 'bsd',
	'freebsd', 'gfdl_1_2', 'gfdl_1_3', 'gpl_1', 'gpl_2', 'gpl_3', 'lgpl_2_1', 'lgpl_3_0', 'mit',
	'mozilla_1_0', 'mozilla_1_1', 'openssl', 'perl_5', 'postgresql', 'qpl_1_0', 'ssleay', 'sun', 'zlib',
	'open_source', 'restricted', 'unrestricted', 'unknown']);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonEmptyString = (v) => typeof v === 'string' && v.length > 0;
const uri = (v) => typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\S+$/i.test(v);

let meta;
try {
	meta = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
	console.error(`${file}: not JSON: ${e.message}`);
	process.exit(1);
}
if (!isObject(meta)) fail(file, 'not a JSON object');

for (const key of ['name', 'version', 'abstract', 'maintainer', 'license', 'provides', 'meta-spec'])
	if (!(key in meta)) fail(key, 'required');
const known = new Set(['name', 'version', 'abstract', 'maintainer', 'license', 'provides', 'meta-spec',
	'description', 'generated_by', 'tags', 'no_index', 'prereqs', 'release_status', 'resources']);
for (const key of Object.keys(meta))
	if (!known.has(key) && !/^x_|^X_/.test(key)) fail(key, 'not a key of the spec (custom keys start with x_)');

if ('name' in meta && !term(meta.name)) fail('name', 'must be a term (2+ characters, no slash, backslash or space)');
if ('version' in meta && !(typeof meta.version === 'string' && semver.test(meta.version)))
	fail('version', `"${meta.version}" is not a semantic version`);
if ('abstract' in meta && !nonEmptyString(meta.abstract)) fail('abstract', 'must be a non-empty string');
if ('description' in meta && !nonEmptyString(meta.description)) fail('description', 'must be a non-empty string');
if ('generated_by' in meta && !nonEmptyString(meta.generated_by)) fail('generated_by', 'must be a non-empty string');
if ('maintainer' in meta) {
	const m = meta.maintainer;
	if (!(nonEmptyString(m) || (Array.isArray(m) && m.length > 0 && m.every(nonEmptyString))))
		fail('maintainer', 'must be a string or a non-empty list of strings');
}
if ('license' in meta) {
	const l = meta.license;
	const ok = (typeof l === 'string' && licenses.has(l)) ||
		(Array.isArray(l) && l.length > 0 && l.every((x) => licenses.has(x))) ||
		(isObject(l) && Object.keys(l).length > 0 && Object.values(l).every(uri));
	if (!ok) fail('license', `${JSON.stringify(l)} is not a license name of the spec, a list of them, or {name: URL}`);
}
if ('provides' in meta) {
	if (!isObject(meta.provides) || Object.keys(meta.provides).length === 0)
		fail('provides', 'must be an object naming at least one extension');
	else
		for (const [name, ext] of Object.entries(meta.provides)) {
			const at = `provides.${name}`;
			if (!term(name)) fail(at, 'the extension name must be a term');
			if (!isObject(ext)) { fail(at, 'must be an object'); continue; }
			if (!nonEmptyString(ext.file)) fail(`${at}.file`, 'required, a path');
			if (!(typeof ext.version === 'string' && semver.test(ext.version))) fail(`${at}.version`, 'required, a semantic version');
			for (const k of Object.keys(ext))
				if (!['file', 'version', 'abstract', 'docfile'].includes(k) && !/^x_/i.test(k)) fail(`${at}.${k}`, 'not a key of the spec');
			if (tree) {
				for (const k of ['file', 'docfile'])
					if (nonEmptyString(ext[k]) && !fs.existsSync(path.join(tree, ext[k]))) fail(`${at}.${k}`, `${ext[k]} is not in the distribution`);
			}
		}
}
if ('meta-spec' in meta) {
	const s = meta['meta-spec'];
	if (!isObject(s) || s.version !== '1.0.0') fail('meta-spec.version', 'must be "1.0.0"');
	else if ('url' in s && !uri(s.url)) fail('meta-spec.url', 'must be a URL');
}
if ('tags' in meta && !(Array.isArray(meta.tags) && meta.tags.length > 0 && meta.tags.every(tag)))
	fail('tags', 'must be a non-empty list of tags (1..255 characters, no slash, backslash or control)');
if ('release_status' in meta && !['stable', 'testing', 'unstable'].includes(meta.release_status))
	fail('release_status', 'must be stable, testing or unstable');
if ('no_index' in meta) {
	const n = meta.no_index;
	if (!isObject(n)) fail('no_index', 'must be an object');
	else for (const [k, v] of Object.entries(n))
		if (!['file', 'directory'].includes(k) || !(nonEmptyString(v) || (Array.isArray(v) && v.every(nonEmptyString))))
			fail(`no_index.${k}`, 'file or directory: a path or a list of paths');
}
if ('prereqs' in meta) {
	const p = meta.prereqs;
	if (!isObject(p)) fail('prereqs', 'must be an object');
	else for (const [phase, relations] of Object.entries(p)) {
		if (!['configure', 'build', 'test', 'runtime', 'develop'].includes(phase)) { fail(`prereqs.${phase}`, 'not a phase of the spec'); continue; }
		if (!isObject(relations)) { fail(`prereqs.${phase}`, 'must be an object'); continue; }
		for (const [relation, deps] of Object.entries(relations)) {
			const at = `prereqs.${phase}.${relation}`;
			if (!['requires', 'recommends', 'suggests', 'conflicts'].includes(relation)) { fail(at, 'not a relation of the spec'); continue; }
			if (!isObject(deps)) { fail(at, 'must be an object'); continue; }
			for (const [dep, range] of Object.entries(deps))
				// A version (0 for any) or a range: ">= 1.2.0, != 1.5.0, < 2.0.0".
				if (!(range === 0 || (typeof range === 'string' &&
					range.split(/\s*,\s*/).every((r) => /^(==|!=|>=|<=|>|<)?\s*\d+(\.\d+){0,2}(-[0-9A-Za-z-]+)?$/.test(r.trim())))))
					fail(`${at}.${dep}`, `${JSON.stringify(range)} is not a version or version range`);
		}
	}
}
if ('resources' in meta) {
	const r = meta.resources;
	if (!isObject(r)) fail('resources', 'must be an object');
	else {
		if ('homepage' in r && !uri(r.homepage)) fail('resources.homepage', 'must be a URL');
		if ('bugtracker' in r) {
			const b = r.bugtracker;
			if (!isObject(b) || !('web' in b || 'mailto' in b)) fail('resources.bugtracker', 'an object with web and/or mailto');
			else {
				if ('web' in b && !uri(b.web)) fail('resources.bugtracker.web', 'must be a URL');
				if ('mailto' in b && !/^[^@\s]+@[^@\s]+$/.test(b.mailto)) fail('resources.bugtracker.mailto', 'must be an address');
			}
		}
		if ('repository' in r) {
			const g = r.repository;
			if (!isObject(g) || !('url' in g || 'web' in g)) fail('resources.repository', 'an object with url and/or web (and type)');
			else for (const k of ['url', 'web']) if (k in g && !uri(g[k])) fail(`resources.repository.${k}`, 'must be a URL');
		}
		for (const k of Object.keys(r))
			if (!['homepage', 'bugtracker', 'repository'].includes(k) && !/^x_/i.test(k)) fail(`resources.${k}`, 'not a key of the spec');
	}
}

if (tree && isObject(meta.provides) && meta.provides.pg_ot) {
	const control = fs.readFileSync(path.join(tree, 'extension/pg_ot.control'), 'utf8');
	const v = /^default_version = '(.*)'/m.exec(control);
	if (!v || v[1] !== meta.provides.pg_ot.version || v[1] !== meta.version)
		fail('provides.pg_ot.version', `META.json says ${meta.version} / ${meta.provides.pg_ot.version}, the control file ${v && v[1]}`);
}

for (const e of errors) console.error(`META.json: ${e}`);
process.exit(errors.length ? 1 : 0);
