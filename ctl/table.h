/* SPDX-License-Identifier: Apache-2.0 */
/*
 * table: aligned text tables for hnvctl's output, both the native style
 * (upper-case headers, two spaces between columns, like `ip` and
 * `ovs-vsctl`) and PowerShell's Format-Table (one space, a dashed rule
 * under the headers, numbers right-aligned).  Widths count UTF-8
 * characters, not bytes; lines carry no trailing blanks.
 */
#ifndef CTL_TABLE_H
#define CTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct table;

/* 'gap' spaces between columns; 'rule': a line of dashes under each
 * header (PowerShell). */
struct table *table_create(size_t n_cols, int gap, bool rule);
void table_destroy(struct table *); /* accepts NULL */
/* Column 'col''s header (copied); 'right' aligns it to the right. */
void table_header(struct table *, size_t col, const char *name, bool right);
/* Appends a row of n_cols cells (copied; NULL prints as empty). */
void table_add(struct table *, const char *const *cells);
size_t table_n_rows(const struct table *);
void table_print(const struct table *, FILE *);
/* The same, each line preceded by 'indent' spaces. */
void table_print_indented(const struct table *, FILE *, int indent);

#endif
