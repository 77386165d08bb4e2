"""Mutations: every config of the corpus both sides accept, changed one statement at a time (arguments dropped,
added, renumbered, recased, emptied, quoted; statements duplicated or moved to other blocks), run through both.
Round 1 is the structural set, round 2 more number spellings and quoting. About ten minutes for both."""
import hashlib
import json
import os
import random
import re
import time

from common import ToolError, read_jsonl, run_one, side_of
from corpus import load_meta
from nginxconf import ParseError, flatten_includes, parse, walk

NUM_RE = re.compile(r'^([+-]?\d+(?:\.\d+)?)([a-zA-Z]*)$')
NUM_VALUES = ['0', '-1', '10q', '+5', '1k', '1m', '1s', '99999999999999999999']
NUM_VALUES2 = ['500ms', '1h30m', '1G', '1g', '1.5', '1d', '10M', '1y', '0x10', '1']
# Blocks whose lines are data (map entries, types), not directives.
BLOCKS_NOT_DIRECTIVES = {'map', 'geo', 'types', 'split_clients', 'charset_map', 'match'}


def splice(src, start, end, new):
    return src[:start] + new + src[end:]


def line_indent(src, pos):
    ls = src.rfind('\n', 0, pos) + 1
    return src[ls:pos] if src[ls:pos].strip() == '' else ''


def split_value(a):
    """('key=' or 'keys_zone=NAME:' prefix, value) of a parameter, so numbers inside are found too"""
    t = a.text
    if a.quoted or not re.match(r'^[a-z_]+=', t):
        return '', t
    key, val = t.split('=', 1)
    if key == 'keys_zone' and ':' in val:
        zname, val = val.split(':', 1)
        return key + '=' + zname + ':', val
    return key + '=', val


def round1(src, root):
    """(statement, kind, detail, new text)"""
    for s, path in walk_directives(root):
        args = s.args
        is_block = s.children is not None
        rep = lambda i, new: splice(src, args[i].start, args[i].end, new)
        if args:
            yield s, 'drop_last_arg', args[-1].text, splice(src, args[-2].end if len(args) > 1 else s.name.end,
                                                            args[-1].end, '')
            if len(args) > 1:
                yield s, 'drop_first_arg', args[0].text, splice(src, args[0].start, args[1].start, '')
        yield s, 'extra_arg', 'bogus', splice(src, s.semi, s.semi, ' bogus ' if is_block else ' bogus')
        for i, a in enumerate(args):
            t = a.text
            pre, val = split_value(a)
            m = NUM_RE.match(val)
            if m and not a.quoted:
                for v in NUM_VALUES:
                    if v != val:
                        yield s, 'num', '%d:%s->%s' % (i, t, v), rep(i, pre + v)
                if m.group(2) and m.group(2).lower() != m.group(2).upper():
                    unit = m.group(2).upper() if m.group(2).islower() else m.group(2).lower()
                    yield s, 'num_case', '%d:%s->%s' % (i, t, m.group(1) + unit), rep(i, pre + m.group(1) + unit)
            if val in ('on', 'off'):
                v = 'off' if val == 'on' else 'on'
                yield s, 'onoff', '%d:%s->%s' % (i, t, v), rep(i, pre + v)
            if re.match(r'^[A-Za-z_][A-Za-z_0-9]*$', t) and not a.quoted:
                alt = t.upper() if t != t.upper() else t.lower()
                if alt != t:
                    yield s, 'case', '%d:%s->%s' % (i, t, alt), rep(i, alt)
            if t != '':
                yield s, 'empty', '%d:%s->""' % (i, t), rep(i, '""')
            if '$' not in t:
                yield s, 'var', '%d:%s->$foo' % (i, t), rep(i, '$foo')
                yield s, 'var_defined', '%d:%s->$http_foo' % (i, t), rep(i, '$http_foo')
        if s.name.text == 'include':
            continue
        text = src[s.start:s.end]
        yield s, 'dup', '', splice(src, s.end, s.end, '\n' + line_indent(src, s.start) + text)
        if is_block:
            continue
        p = s.parent
        removed = splice(src, s.start, s.end, '')
        shift = s.end - s.start
        if p.name.text != 'main' and p.parent is not None:
            yield s, 'move_parent', '%s->%s' % (p.name.text, p.parent.name.text), \
                splice(removed, p.start, p.start, text + '\n' + line_indent(src, p.start))
        seen = set()
        for c in p.children:  # into the first child block of each kind
            if c.children is None or c.name.text in seen or c.name.text in BLOCKS_NOT_DIRECTIVES:
                continue
            seen.add(c.name.text)
            pos = c.body_start - (shift if c.body_start > s.start else 0)
            yield s, 'move_child', '%s->%s' % (p.name.text, c.name.text), splice(removed, pos, pos, ' ' + text + ' ')
        if p.name.text in ('server', 'location'):
            yield s, 'move_if', '%s->if' % p.name.text, splice(src, s.start, s.end, 'if ($args) { ' + text + ' }')


def round2(src, root):
    for s, path in walk_directives(root):
        for i, a in enumerate(s.args):
            t = a.text
            pre, val = split_value(a)
            if NUM_RE.match(val) and not a.quoted:
                for v in NUM_VALUES2:
                    if v != val:
                        yield s, 'num2', '%d:%s->%s' % (i, t, v), splice(src, a.start, a.end, pre + v)
            if not a.quoted and not any(ch in t for ch in '"\'\\'):
                yield s, 'quote', '%d:%s->"%s"' % (i, t, t), splice(src, a.start, a.end, '"' + t + '"')
        if not s.name.quoted:
            yield s, 'quote_name', s.name.text, splice(src, s.name.start, s.name.end, '"' + s.name.text + '"')


def walk_directives(root):
    for s, path in walk(root):
        if not any(p in BLOCKS_NOT_DIRECTIVES for p in path):
            yield s, path


ROUNDS = [('1', round1, None, 'mutations.jsonl'), ('2', round2, None, 'mutations2.jsonl')]


def candidates(cfg, gen, per_group):
    """One variant per (directive, context, kind, detail, argument shape), at most per_group per group."""
    base = read_jsonl(cfg.path('results', 'baseline.jsonl'))
    if not base:
        raise ToolError('no baseline in %s: run `baseline` first' % cfg.work)
    ok = {r['id'] for r in base if r['ng_ok'] and r['sy_ok']}
    cands, seen = [], set()
    for m in load_meta(cfg)['entries']:
        if m['id'] not in ok:
            continue
        src = flatten_includes(open(m['conf']).read(), os.path.dirname(m['conf']))
        try:
            root = parse(src)
        except ParseError:
            continue
        for s, kind, detail, new in gen(src, root):
            nm, ctx = s.name.text, s.parent.name.text
            if kind in ('num', 'num_case', 'onoff', 'case'):
                d = re.sub(r'^\d+:', '', detail)
            elif kind in ('empty', 'var', 'var_defined'):
                d = detail.split(':')[0]
            else:
                d = detail
            gkey = (nm, ctx, kind, d)
            akey = gkey + tuple(re.sub(r'\d+', 'N', a.text) for a in s.args)
            if akey in seen:
                continue
            seen.add(akey)
            cands.append((gkey, m, kind, detail, new, nm, ctx, src[s.start:s.end][:200]))
    random.Random(1).shuffle(cands)  # a fixed order: a budget-cut run samples the same variants next time
    if per_group is None:
        return cands
    count, chosen = {}, []
    for c in cands:
        if count.get(c[0], 0) < per_group:
            count[c[0]] = count.get(c[0], 0) + 1
            chosen.append(c)
    return chosen


def mutate(cfg, budget_s=None, rounds=('1', '2')):
    """Run the rounds until the budget (seconds) is spent; variants already in the results are not run again,
    so a later call in the same work dir continues where a cut one stopped."""
    t0 = time.time()
    for name, gen, per_group, outname in ROUNDS:
        if name not in rounds:
            continue
        chosen = candidates(cfg, gen, per_group)
        outp = cfg.results(outname)
        done = {r['vid'] for r in read_jsonl(outp)}
        n = dis = 0
        print('config-diff: mutation round %s: %d variants, %d run before' % (name, len(chosen), len(done)),
              flush=True)
        with open(outp, 'a') as out:
            for gkey, m, kind, detail, new, nm, ctx, orig in chosen:
                if budget_s is not None and time.time() - t0 > budget_s:
                    print('config-diff: mutation budget of %ds spent' % budget_s, flush=True)
                    break
                vid = hashlib.sha1((m['id'] + '|' + new).encode()).hexdigest()[:12]
                if vid in done:
                    continue
                vpath = os.path.join(os.path.dirname(m['conf']), 'mut-%s.conf' % vid)
                with open(vpath, 'w') as f:
                    f.write(new)
                r = run_one(cfg, m['dir'], vpath)
                os.unlink(vpath)
                r.update(vid=vid, id=m['id'], directive=nm, ctx=ctx, kind=kind, detail=detail, orig=orig)
                if side_of(r) != 'same':
                    dis += 1
                    os.makedirs(cfg.path('results', 'variants'), exist_ok=True)
                    with open(cfg.path('results', 'variants', vid + '.conf'), 'w') as f:
                        f.write(new)  # a disagreement's whole config, for a look later
                out.write(json.dumps(r) + '\n')
                n += 1
                if n % 1000 == 0:
                    out.flush()
                    print('  %d run, %d disagreements, %.0fs' % (n, dis, time.time() - t0), flush=True)
        print('config-diff: mutation round %s: %d run now, %d disagreements, %.0fs'
              % (name, n, dis, time.time() - t0), flush=True)
        if budget_s is not None and time.time() - t0 > budget_s:
            break
