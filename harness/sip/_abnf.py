"""
RFC 3261 section 25 grammar pieces, transcribed as regular expressions.

Why a separate module: the grammar is the specification, and keeping it in
one place (in the style of h11's C{_abnf.py}) lets the parser read like the
RFC and lets a reviewer check each rule against the ABNF side by side.  The
strings are composable (they contain no anchors); the compiled C{*_re}
objects at the bottom are what the parser uses.

Deviations from the letter of the ABNF, all on the side of accepting what
real phones send, are marked C{lenient}.
"""

from __future__ import annotations

import re

# --- basic rules (RFC 3261 25.1) --------------------------------------------

DIGIT = r"[0-9]"
HEXDIG = r"[0-9A-Fa-f]"
alphanum = r"[A-Za-z0-9]"
# LWS = [*WSP CRLF] 1*WSP ; the parser unfolds CRLF WSP to SP before matching,
# so after unfolding LWS is simply one or more blanks.
LWS = r"[ \t]+"
SWS = r"[ \t]*"
HCOLON = r"[ \t]*:" + SWS
SEMI = SWS + ";" + SWS
EQUAL = SWS + "=" + SWS
SLASH = SWS + "/" + SWS
COMMA = SWS + "," + SWS
LAQUOT = SWS + "<"
RAQUOT = ">" + SWS

mark = r"[-_.!~*'()]"
unreserved = r"[A-Za-z0-9\-_.!~*'()]"
reserved = r"[;/?:@&=+$,]"
escaped = r"%" + HEXDIG + HEXDIG

# token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
token_char = r"[A-Za-z0-9\-.!%*_+`'~]"
token = token_char + "+"
# word = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" /
#        "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
word = r"[A-Za-z0-9\-.!%*_+`'~()<>:\\\"/\[\]?{}]+"

# quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE
# qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII
# quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
qdtext = r"[ \t\x21\x23-\x5b\x5d-\x7e\u0080-\U0010ffff]"
quoted_pair = r"\\[\x00-\x09\x0b\x0c\x0e-\x7f]"
quoted_string = r'"(?:' + qdtext + "|" + quoted_pair + r')*"'

# --- hosts (25.1) ------------------------------------------------------------

IPv4address = r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}"
# Lenient (and linear-time): any run of hex digits, colons and dots; the
# exact IPv6 shape is checked with the ipaddress module where it matters.
IPv6address = r"[0-9A-Fa-f:.]+"
IPv6reference = r"\[" + IPv6address + r"\]"
domainlabel = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
# toplabel = ALPHA / ALPHA *( alphanum / "-" ) alphanum
toplabel = r"[A-Za-z](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
hostname = r"(?:" + domainlabel + r"\.)*" + toplabel + r"\.?"
host = r"(?:" + hostname + "|" + IPv4address + "|" + IPv6reference + ")"
port = r"[0-9]+"
hostport = host + r"(?::" + port + ")?"

# --- SIP-URI (25.1) -----------------------------------------------------------

user_unreserved = r"[&=+$,;?/]"
user = r"(?:" + unreserved + "|" + escaped + "|" + user_unreserved + ")+"
password = r"(?:" + unreserved + "|" + escaped + r"|[&=+$,])*"
param_unreserved = r"[\[\]/:&+$]"
paramchar = r"(?:" + param_unreserved + "|" + unreserved + "|" + escaped + ")"
pname = paramchar + "+"
pvalue = paramchar + "+"
hnv_unreserved = r"[\[\]/?:+$]"
hchar = r"(?:" + hnv_unreserved + "|" + unreserved + "|" + escaped + ")"
hname = hchar + "+"
hvalue = hchar + "*"

# --- messages (25.1) ----------------------------------------------------------

Method = token
SIP_Version = r"[Ss][Ii][Pp]/[0-9]+\.[0-9]+"
# Request-URI is checked loosely here (any non-blank run with a scheme); the
# SIP-URI grammar above is applied where a SipURI object is built.
scheme = r"[A-Za-z][A-Za-z0-9+\-.]*"
Request_URI = scheme + r":[^ \t\r\n]+"
Request_Line = (
    r"(?P<method>" + Method + r") (?P<uri>" + Request_URI + r") (?P<version>" + SIP_Version + ")"
)
Status_Code = r"[0-9]{3}"
# Reason-Phrase = *(reserved / unreserved / escaped / UTF8-NONASCII / UTF8-CONT / SP / HTAB)
# lenient: any printable text.
Reason_Phrase = r"[^\r\n\x00]*"
Status_Line = (
    r"(?P<version>" + SIP_Version + r") (?P<status>" + Status_Code + r")"
    r"(?: (?P<reason>" + Reason_Phrase + r"))?"
)
header_name = token

# generic-param = token [ EQUAL gen-value ]; gen-value = token / host / quoted-string
gen_value = r"(?:" + token + "|" + host + "|" + quoted_string + ")"
generic_param = token + r"(?:" + EQUAL + gen_value + ")?"

# via-parm = sent-protocol LWS sent-by *( SEMI via-params )
# sent-protocol = protocol-name SLASH protocol-version SLASH transport
# sent-by = host [ COLON port ]
sent_protocol = (
    r"(?P<protocol>" + token + ")" + SLASH + r"(?P<pversion>" + token + ")" + SLASH
    + r"(?P<transport>" + token + ")"
)
sent_by = r"(?P<host>" + host + r")(?:" + SWS + ":" + SWS + r"(?P<port>" + port + "))?"
via_parm = sent_protocol + LWS + sent_by + r"(?P<params>(?:" + SEMI + generic_param + ")*)"

# display-name = *(token LWS) / quoted-string
display_name = r"(?:" + quoted_string + "|" + token + r"(?:" + LWS + token + ")*)"

# CSeq = "CSeq" HCOLON 1*DIGIT LWS Method
CSeq = r"(?P<seq>[0-9]+)" + LWS + r"(?P<method>" + Method + ")"

# delta-seconds = 1*DIGIT
delta_seconds = r"[0-9]+"

# --- compiled -----------------------------------------------------------------

token_re = re.compile(token)
quoted_string_re = re.compile(quoted_string)
host_re = re.compile(host)
hostname_re = re.compile(hostname)
IPv4address_re = re.compile(IPv4address)
IPv6reference_re = re.compile(IPv6reference)
user_re = re.compile(user)
password_re = re.compile(password)
pname_re = re.compile(pname)
pvalue_re = re.compile(pvalue)
hname_re = re.compile(hname)
hvalue_re = re.compile(hvalue)
request_line_re = re.compile(Request_Line)
status_line_re = re.compile(Status_Line)
header_name_re = re.compile(header_name)
generic_param_re = re.compile(
    r"(?P<name>" + token + r")(?:" + EQUAL + r"(?P<value>" + gen_value + "))?"
)
via_parm_re = re.compile(via_parm)
display_name_re = re.compile(display_name)
cseq_re = re.compile(CSeq)
delta_seconds_re = re.compile(delta_seconds)
# Characters that may stand as they are in each URI component; every other
# character is %-escaped when a URI is written out.
USER_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()&=+$,;?/"
)
PASSWORD_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()&=+$,"
)
PARAM_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()[]/:&+$"
)
HEADER_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()[]/?:+$"
)
TOKEN_CHARS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.!%*_+`'~"
)
