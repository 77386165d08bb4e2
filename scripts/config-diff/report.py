"""The summary: agreement counts, then the disagreements not explained by known.txt (the accepted ones).

known.txt, one accepted difference a line ('#' comments):
    WHERE  ID  REJECTER | MESSAGE | REASON
WHERE is corpus, case, mutation or * (any); ID a glob on the corpus id (h2*.0), the case name, or for
mutations DIRECTIVE/KIND (proxy_buffers/num, */quote_name); REJECTER the side that alone refuses (nginx or
switchyard); MESSAGE a piece of that side's [emerg] line (empty: any); REASON why the difference is accepted."""
import collections
import fnmatch
import json
import os
import re
import subprocess

from common import ToolError, read_jsonl, side_of

Known = collections.namedtuple('Known', 'where id side msg reason line')
SIDES = ('nginx', 'switchyard')
LABEL = {'nginx': 'only nginx rejects', 'switchyard': 'only switchyard rejects'}


def load_known(path):
    known = []
    for no, line in enumerate(open(path), 1):
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        parts = [p.strip() for p in line.split('|', 2)]
        head = parts[0].split()
        if len(parts) != 3 or len(head) != 3 or head[0] not in ('corpus', 'case', 'mutation', '*') \
                or head[2] not in SIDES or not parts[2]:
            raise ToolError('%s:%d: expected "WHERE ID REJECTER | MESSAGE | REASON"' % (path, no))
        known.append(Known(head[0], head[1], head[2], parts[1], parts[2], no))
    return known


def match(known, where, ident, side, msg):
    for k in known:
        if k.where in (where, '*') and k.side == side and fnmatch.fnmatchcase(ident, k.id) and k.msg in msg:
            return k
    return None


def norm(msg):
    """A rejecting message without paths, quoted values and numbers: one shape per kind of finding."""
    msg = msg.split(' | ')[-1]
    msg = re.sub(r'^\[(emerg|alert|crit)\] ', '', msg)
    msg = re.sub(r' in /\S*', '', msg)
    msg = re.sub(r'"[^"]*"', '"X"', msg)
    return re.sub(r'\d+', 'N', msg).strip()


def counts(rs):
    c = collections.Counter()
    for r in rs:
        c[('both reject', 'both accept')[r['ng_ok']] if side_of(r) == 'same' else LABEL[side_of(r)]] += 1
    return c


def version(binary):
    try:
        p = subprocess.run([binary, '-v'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=10)
        return p.stdout.decode(errors='replace').strip().replace('nginx version: ', '')
    except OSError as e:
        return str(e)


def report(cfg, show_known=False):
    """Prints the summary (also WORK/results/summary.txt); True when some disagreement is not in known.txt."""
    known = load_known(cfg.known)
    base = read_jsonl(cfg.path('results', 'baseline.jsonl'))
    cases = read_jsonl(cfg.path('results', 'cases.jsonl'))
    muts = read_jsonl(cfg.path('results', 'mutations.jsonl')) + read_jsonl(cfg.path('results', 'mutations2.jsonl'))
    if not (base or cases or muts):
        raise ToolError('no results in %s: run corpus and baseline, or cases, first' % cfg.work)
    short = lambda m: m.replace(cfg.work + '/', '').split(' | ')[-1][:200]
    out = []
    say = out.append
    say('switchyard -t: %s (%s)' % (cfg.switchyard, version(cfg.switchyard)))
    say('nginx -t:      %s (%s)' % (cfg.nginx, version(cfg.nginx)))
    meta = cfg.path('corpus', 'meta.json')
    if base and os.path.exists(meta):
        with open(meta) as f:
            meta = json.load(f)
        ids = {e['id'] for e in meta['entries']}
        say('corpus:        nginx-tests %s, conf/ and examples/%s%s' % (
            meta['nginx_tests'], ', the reference deployment' if 'reference' in ids else '',
            ', Debian\'s /etc/nginx' if 'debian-etc' in ids else ''))
    cols = ('both accept', 'both reject', LABEL['nginx'], LABEL['switchyard'])
    say('%-26s %12s %12s %19s %24s' % (('',) + cols))
    for name, rs in (('corpus configs', base), ('hand-written cases', cases), ('mutations', muts)):
        if rs:
            c = counts(rs)
            say('%-26s %12d %12d %19d %24d' % ((name + ' (%d)' % len(rs),) + tuple(c[k] for k in cols)))

    new, matched = [], collections.defaultdict(list)
    for where, rs in (('corpus', base), ('case', cases)):
        for r in rs:
            side = side_of(r)
            if side == 'same':
                continue
            msg = r['ng_msg'] if side == 'nginx' else r['sy_msg']
            k = match(known, where, r['id'], side, msg)
            if k:
                matched[k].append(r['id'])
            else:
                new.append('%-8s %-42s %-24s %s' % (where, r['id'], LABEL[side], short(msg) or '(no message)'))
    groups = collections.OrderedDict()
    for r in muts:
        side = side_of(r)
        if side != 'same':
            msg = r['ng_msg'] if side == 'nginx' else r['sy_msg']
            groups.setdefault((r['directive'], r['kind'], side, norm(msg)), []).append(r)
    group_known = {}
    for key, rs in sorted(groups.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])):
        directive, kind, side, _ = key
        ident = directive + '/' + kind
        msg = rs[0]['ng_msg'] if side == 'nginx' else rs[0]['sy_msg']
        k = group_known[key] = match(known, 'mutation', ident, side, msg)
        if k:
            matched[k].append(ident)
        else:
            new.append('%-8s %-42s %-24s %s  [%d variants, e.g. %s: %s]' % (
                'mutation', ident, LABEL[side], short(msg), len(rs), rs[0]['vid'], rs[0]['detail'][:60]))
    if muts:
        write_groups(cfg, groups, group_known)

    say('')
    if new:
        say('%d disagreements not in %s%s:' % (len(new), os.path.relpath(cfg.known, cfg.repo),
                                                ' (a mutation group counts once)' if muts else ''))
        out.extend('  ' + line for line in new)
    else:
        say('no disagreements beyond %s' % os.path.relpath(cfg.known, cfg.repo))
    say('%d disagreements are accepted differences of known.txt (%d of its %d entries)%s'
        % (sum(len(v) for v in matched.values()), len(matched), len(known),
           '' if show_known else '; `report --known` lists them'))
    if show_known:
        for k in sorted(matched, key=lambda k: k.line):
            ids = sorted(set(matched[k]))
            more = ' and %d more' % (len(ids) - 4) if len(ids) > 4 else ''
            say('  known.txt:%-3d %s%s: %s' % (k.line, ' '.join(ids[:4]), more, k.reason))
    # A known corpus or case entry that matched nothing is fixed (or its config gone): time to drop it.
    ran = {'corpus'} if base else set()
    ran |= {'case'} if cases else set()
    stale = [k for k in known if (k.where in ran or k.where == '*' and ran) and k not in matched]
    if stale:
        say('known.txt entries that matched nothing this run (fixed? remove them):')
        out.extend('  known.txt:%d %s %s %s' % (k.line, k.where, k.id, k.side) for k in stale)
    say('details: %s/results/*.jsonl (ng_msg, sy_msg)%s' % (cfg.work, ', groups.txt' if muts else ''))
    text = '\n'.join(out) + '\n'
    with open(cfg.results('summary.txt'), 'w') as f:
        f.write(text)
    print(text, end='', flush=True)
    return bool(new)


def write_groups(cfg, groups, group_known):
    """analyze.py's view: every mutation disagreement grouped by directive, kind, rejecting side, message shape."""
    with open(cfg.results('groups.txt'), 'w') as f:
        f.write('%d disagreeing variants in %d groups\n' % (sum(len(v) for v in groups.values()), len(groups)))
        for key in sorted(groups, key=lambda k: (k[2], k[0], k[1])):
            directive, kind, side, shape = key
            rs = groups[key]
            k = group_known[key]
            f.write('\n== %s | %s | %s | n=%d%s\n   msg: %s\n' % (
                LABEL[side], directive, kind, len(rs), ' | known.txt:%d' % k.line if k else '', shape[:200]))
            for r in rs[:3]:
                detail, orig = (x.replace(cfg.work + '/', '') for x in (r['detail'], r['orig']))
                f.write('   [%s %s] %s  :: %s\n' % (r['vid'], r['id'], detail[:70], orig[:90].replace('\n', ' ')))
