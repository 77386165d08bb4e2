"""A small nginx configuration lexer and parser that keeps byte offsets, so mutations can splice the text."""
import glob
import os
import re


class Tok:
    __slots__ = ('text', 'start', 'end', 'quoted')

    def __init__(self, text, start, end, quoted):
        self.text, self.start, self.end, self.quoted = text, start, end, quoted


class Stmt:
    def __init__(self):
        self.name = None          # Tok
        self.args = []            # [Tok]
        self.start = 0            # offset of the name
        self.end = 0              # offset after ';' or '}'
        self.semi = 0             # offset of ';' or '{'
        self.children = None      # list for a block, else None
        self.body_start = 0       # offset after '{'
        self.body_end = 0         # offset of '}'
        self.parent = None


class ParseError(Exception):
    pass


def lex(src):
    """[(kind, Tok)] with kind 'word', ';', '{' or '}'"""
    i, n = 0, len(src)
    out = []
    while i < n:
        c = src[i]
        if c in ' \t\r\n':
            i += 1
            continue
        if c == '#':
            while i < n and src[i] != '\n':
                i += 1
            continue
        if c in ';{}':
            out.append((c, Tok(c, i, i + 1, False)))
            i += 1
            continue
        if c in '"\'':
            j = i + 1
            buf = []
            while j < n and src[j] != c:
                if src[j] == '\\' and j + 1 < n:
                    buf.append(src[j:j + 2])
                    j += 2
                    continue
                buf.append(src[j])
                j += 1
            if j >= n:
                raise ParseError('unterminated quote')
            out.append(('word', Tok(''.join(buf), i, j + 1, True)))
            i = j + 1
            continue
        j = i
        var = False
        while j < n:
            ch = src[j]
            if ch == '\\' and j + 1 < n:
                j += 2
                continue
            if ch in ' \t\r\n;':
                break
            if ch == '{':
                if var:  # ${name} is part of the word
                    k = src.find('}', j)
                    if k < 0:
                        raise ParseError('bad ${')
                    j = k + 1
                    var = False
                    continue
                break
            if ch == '}':
                break
            var = (ch == '$')
            j += 1
        out.append(('word', Tok(src[i:j], i, j, False)))
        i = j
    return out


def parse(src):
    root = Stmt()
    root.children = []
    root.name = Tok('main', 0, 0, False)
    stack = [root]
    cur = None
    for kind, t in lex(src):
        if kind == 'word':
            if cur is None:
                cur = Stmt()
                cur.name = t
                cur.start = t.start
                cur.parent = stack[-1]
            else:
                cur.args.append(t)
        elif kind == ';':
            if cur is None:
                raise ParseError('unexpected ;')
            cur.semi, cur.end = t.start, t.end
            stack[-1].children.append(cur)
            cur = None
        elif kind == '{':
            if cur is None:
                raise ParseError('unexpected {')
            cur.semi, cur.body_start = t.start, t.end
            cur.children = []
            stack[-1].children.append(cur)
            stack.append(cur)
            cur = None
        else:
            if cur is not None or len(stack) < 2:
                raise ParseError('unexpected }')
            blk = stack.pop()
            blk.body_end, blk.end = t.start, t.end
    if len(stack) != 1 or cur is not None:
        raise ParseError('unexpected end of file')
    root.body_end = root.end = len(src)
    return root


def walk(blk, path=()):
    """(statement, names of the enclosing blocks) for every statement, depth first"""
    for s in blk.children:
        yield s, path
        if s.children is not None:
            yield from walk(s, path + (s.name.text,))


def flatten_includes(text, conf_dir, depth=0):
    """Inline `include` of files other than mime.types, so that mutations see the whole configuration."""
    def repl(m):
        pat = m.group(2)
        if 'mime.types' in pat or depth > 3:
            return m.group(0)
        files = sorted(glob.glob(pat if pat.startswith('/') else os.path.join(conf_dir, pat)))
        if not files:
            return m.group(0)
        parts = [flatten_includes(open(f).read(), conf_dir, depth + 1) for f in files]
        return m.group(1) + '# include ' + pat + '\n' + '\n'.join(parts) + '\n'
    return re.sub(r'(?m)^(\s*)include\s+([^;\s]+)\s*;', repl, text)
