// The lawful policy language (see ../shared/spec/LANGUAGE.md and docs/reference.md).
//
// Generated at build time with Debian's antlr4 (4.7.2) as C++, without listener or
// visitor: compiler/syntax/ast_builder.cpp walks the contexts by their labels.
// Nothing outside that file sees a generated type.
grammar Lawful;

// ---------------------------------------------------------------- files

file
    : header? useDecl* topDecl* EOF
    ;

header
    : POLICY qname title=STRING? (EXTENDS base=qname)? policyClause*    # PolicyHeader
    | MODULE qname title=STRING?                                        # ModuleHeader
    | ROUTING title=STRING?                                             # RoutingHeader
    ;

policyClause
    : JURISDICTION name (',' name)*     # JurisdictionClause
    | SOURCE STRING                     # SourceClause
    | effective                         # EffectiveClause
    ;

useDecl
    : USE qname (AS alias=name)?
    ;

topDecl
    : letDecl
    | decisionDecl
    | testDecl
    | propertyDecl
    | enumDecl
    | recordDecl
    | factsDecl
    | routeDecl
    | obligationDecl
    ;

// ---------------------------------------------------------------- definitions

letDecl
    : REPLACE? LET name ('(' param (',' param)* ')')? '=' expr
    ;

param
    : name (':' typeRef)?
    ;

enumDecl
    : ENUM name '{' name (',' name)* ','? '}'
    ;

recordDecl
    : RECORD name '{' fieldDecl* '}'
    ;

fieldDecl
    : name ':' typeRef (DEFAULT factValue)?
    ;

typeRef
    : OPTIONAL typeRef          # OptionalType
    | LIST OF typeRef           # ListType
    | name                      # NamedType
    ;

factsDecl
    : FACTS name ':' name (',' name ':' name)* (AS OF asOf=path)?
    ;

routeDecl
    : ROUTE routeKey (',' routeKey)* TO (target=qname | REVIEW)
    ;

routeKey
    : STRING
    | qname
    ;

// ---------------------------------------------------------------- decisions

decisionDecl
    : DECISION name (WHEN guard=expr)? ':' decisionItem*
    ;

decisionItem
    : ruleDecl
    | obligeDecl
    ;

ruleDecl
    : REPLACE? RULE name ':' verdict=(ALLOW | DENY | REVIEW) (BASIS basis=name)? ruleClause*
    ;

ruleClause
    : WHEN expr                             # WhenClause
    | OVERRIDES overrideTarget (',' overrideTarget)*  # OverridesClause
    | CITE STRING                           # CiteClause
    | NEEDS path (',' path)*                # NeedsClause
    | effective                             # RuleEffectiveClause
    ;

// `overrides every allow`: every other rule of that verdict in the decision, inherited
// and added ones included (docs/reference.md, "Precedence by verdict").
overrideTarget
    : EVERY verdict=(ALLOW | DENY | REVIEW)     # EveryTarget
    | name                                      # NamedTarget
    ;

obligeDecl
    : REPLACE? OBLIGE name (FOR obligeFor (',' obligeFor)*)? (WHEN expr)? (CITE STRING)*
    ;

// `oblige keep_consent_record for consented`: only when that rule decided;
// `for basis soft_opt_in`: when a rule of the decision with that basis decided.
obligeFor
    : BASIS name        # ForBasis
    | name              # ForRule
    ;

// A policy's own obligation, beside those of `Obligation` in std.facts.
obligationDecl
    : OBLIGATION name title=STRING?
    ;

effective
    : EFFECTIVE from=DATE (UNTIL to=DATE)?
    ;

// ---------------------------------------------------------------- tests

testDecl
    : TEST STRING '{' testItem* '}'
    ;

testItem
    : AS OF DATE                                                    # AsOfItem
    | role=name recordLit                                           # FactsItem
    | EXPECT decision=name IS NOT? verdict=(ALLOW | DENY | REVIEW) (BASIS basis=name)?  # ExpectVerdict
    | EXPECT decision=name CITES STRING                             # ExpectCites
    | EXPECT decision=name MISSING path (',' path)*                 # ExpectMissing
    | EXPECT decision=name OBLIGES name (',' name)*                 # ExpectObliges
    | EXPECT decision=name RULES name (',' name)*                   # ExpectRules
    ;

// ---------------------------------------------------------------- properties
// `lawful verify` proves a property for every contact and campaign (docs/reference.md,
// "Properties"): under the `when` conditions (all true), each expectation holds.

propertyDecl
    : PROPERTY STRING '{' propertyItem* '}'
    ;

propertyItem
    : AS OF DATE                                                                        # PropertyAsOf
    | WHEN expr                                                                         # PropertyWhen
    | EXPECT decision=name IS NOT? verdict=(ALLOW | DENY | REVIEW) (BASIS basis=name)?  # PropertyVerdict
    | EXPECT decision=name OBLIGES name (',' name)* (FOR EVERY verdict=(ALLOW | DENY | REVIEW))?  # PropertyObliges
    ;

path
    : name ('.' word)*
    ;

recordLit
    : '{' (fieldInit (','? fieldInit)* ','?)? '}'
    ;

fieldInit
    : name ':' factValue
    ;

factValue
    : recordLit                                     # RecordValue
    | '[' (factValue (',' factValue)* ','?)? ']'    # ListValue
    | STRING                                        # StringValue
    | DATE                                          # DateValue
    | '-'? INT                                      # IntValue
    | (TRUE | FALSE)                                # BoolValue
    | NULL_                                         # NullValue
    | name                                          # WordValue
    ;

// ---------------------------------------------------------------- expressions
// Alternatives come in order of precedence, tightest first. The prefix forms at the
// end (quantifiers, if) take everything to their right, so
// `a and any x in L: p or q` reads as `a and (any x in L: (p or q))`.

expr
    : primary                                                       # PrimaryExpr
    | expr '.' word                                                 # FieldExpr
    | expr '(' (expr (',' expr)*)? ')'                              # CallExpr
    | '-' expr                                                      # NegExpr
    | lhs=expr op='*' rhs=expr                                      # MulExpr
    | lhs=expr op=('+' | '-') rhs=expr                              # AddExpr
    | lhs=expr NOT? IN rhs=expr                                     # InExpr
    | lhs=expr op=('==' | '!=' | '<' | '<=' | '>' | '>=') rhs=expr  # CompareExpr
    | lhs=expr op=('=' | '&&' | '||') rhs=expr                      # MistakeExpr
    | NOT expr                                                      # NotExpr
    | '!' expr                                                      # BangExpr
    | lhs=expr AND rhs=expr                                         # AndExpr
    | lhs=expr OR rhs=expr                                          # OrExpr
    | q=(ANY | ALL | COUNT) var=name IN coll=expr ':' body=expr     # QuantExpr
    | IF cond=expr THEN then=expr ELSE els=expr                     # IfExpr
    ;

primary
    : '(' expr ')'                                  # ParenPrimary
    | '{' (expr (',' expr)* ','?)? '}'              # SetPrimary
    | '[' (expr (',' expr)* ','?)? ']'              # ListPrimary
    | INT (IDENT (INT IDENT)*)?                     # NumberPrimary
    | STRING                                        # StringPrimary
    | DATE                                          # DatePrimary
    | (TRUE | FALSE)                                # BoolPrimary
    | (ALLOW | DENY | REVIEW)                       # VerdictPrimary
    | VERDICT                                       # VerdictRefPrimary
    | name                                          # NamePrimary
    ;

qname
    : name ('.' word)*
    ;

// After a dot any word is a name: `lang.effective`, `contact.source`.
word
    : name
    | POLICY | MODULE | ROUTING | EXTENDS | AS | LET | ENUM | DECISION | RULE | OBLIGE | WHEN
    | OVERRIDES | CITE | EFFECTIVE | UNTIL | EXPECT | IS | ALLOW | DENY | REVIEW | VERDICT
    | AND | OR | NOT | IN | ANY | ALL | COUNT | IF | THEN | ELSE | TRUE | FALSE | NULL_
    ;

// Keywords that may also be used as names (fields, enum members, labels).
name
    : IDENT
    | SOURCE | JURISDICTION | MODULE | ROUTING | ROUTE | TO | DEFAULT | OPTIONAL | LIST | OF
    | FACTS | RECORD | ENUM | BASIS | CITES | MISSING | OBLIGES | RULES | USE | EXTENDS
    | TEST | REPLACE | NEEDS | EVERY | FOR | OBLIGATION | PROPERTY
    ;

// ---------------------------------------------------------------- lexer

POLICY      : 'policy';
MODULE      : 'module';
ROUTING     : 'routing';
ROUTE       : 'route';
TO          : 'to';
EXTENDS     : 'extends';
JURISDICTION: 'jurisdiction';
SOURCE      : 'source';
USE         : 'use';
AS          : 'as';
LET         : 'let';
REPLACE     : 'replace';
ENUM        : 'enum';
RECORD      : 'record';
FACTS       : 'facts';
OPTIONAL    : 'optional';
LIST        : 'list';
OF          : 'of';
DEFAULT     : 'default';
DECISION    : 'decision';
RULE        : 'rule';
OBLIGE      : 'oblige';
OBLIGATION  : 'obligation';
FOR         : 'for';
WHEN        : 'when';
OVERRIDES   : 'overrides';
EVERY       : 'every';
CITE        : 'cite';
NEEDS       : 'needs';
BASIS       : 'basis';
EFFECTIVE   : 'effective';
UNTIL       : 'until';
TEST        : 'test';
PROPERTY    : 'property';
EXPECT      : 'expect';
IS          : 'is';
CITES       : 'cites';
MISSING     : 'missing';
OBLIGES     : 'obliges';
RULES       : 'rules';
ALLOW       : 'allow';
DENY        : 'deny';
REVIEW      : 'review';
VERDICT     : 'verdict';
AND         : 'and';
OR          : 'or';
NOT         : 'not';
IN          : 'in';
ANY         : 'any';
ALL         : 'all';
COUNT       : 'count';
IF          : 'if';
THEN        : 'then';
ELSE        : 'else';
TRUE        : 'true';
FALSE       : 'false';
NULL_       : 'null';

DATE        : [0-9] [0-9] [0-9] [0-9] '-' [0-9] [0-9] '-' [0-9] [0-9];
INT         : [0-9]+;
STRING      : '"' (~["\\\r\n] | '\\' .)* '"';
IDENT       : [a-zA-Z_] [a-zA-Z_0-9]*;

// Comments are kept off the parser's way on their own channels, so that the AST builder
// can hand them to `lawful fmt` with their positions: `///` documents the declaration
// that follows it (channel 2), `//` and `#` are notes (channel 3).
DOC         : '///' ~[\r\n]* -> channel(2);
COMMENT     : '//' ~[\r\n]* -> channel(3);
HASH_COMMENT: '#' ~[\r\n]* -> channel(3);
WS          : [ \t\r\n]+ -> skip;

// Any other character becomes a token the parser rejects with our own message.
UNEXPECTED  : .;
