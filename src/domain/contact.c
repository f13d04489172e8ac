/* domain/contact.c — validation is deliberately strict: whatever passes here is stored,
 * compared and shown, so there is exactly one spelling of every address. */
#include "domain/contact.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static bool all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, "0123456789") == n;
}

bool contact_email(const char *in, char out[CONTACT_MAX])
{
    size_t n = strlen(in);
    const char *at = strchr(in, '@');
    if (n < 3 || n > 128 || at == NULL || at == in || strchr(at + 1, '@') != NULL)
        return false;
    const char *dot = strrchr(at, '.');
    if (dot == NULL || dot == at + 1 || dot[1] == '\0')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)in[i];
        if (ch <= ' ' || ch == 0x7f || ch == '"' || ch == ',' || ch == ';' || ch == '<' ||
            ch == '>' || ch == '\\')
            return false;
        out[i] = (char)tolower(ch);
    }
    out[n] = '\0';
    return true;
}

bool contact_area(const char *in, char out[8])
{
    const char *p = in;
    if (*p == '+')
        p++;
    else if (p[0] == '0' && p[1] == '0')
        p += 2;
    if (!all_digits(p, 1, 4))
        return false;
    snprintf(out, 8, "+%s", p);
    return true;
}

bool contact_phone(const char *in)
{
    return all_digits(in, 5, 15);
}

bool contact_customer_no(const char *in)
{
    size_t n = strlen(in);
    if (n < 1 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)in[i]))
            return false;
    return true;
}

bool contact_sms_to(const char *in, char area[8], char phone[24])
{
    const char *sp = strchr(in, ' ');
    if (sp == NULL) {
        if (!contact_phone(in))
            return false;
        memcpy(area, "+86", 4);
        snprintf(phone, 24, "%s", in);
        return true;
    }
    char a[8];
    size_t alen = (size_t)(sp - in);
    if (alen == 0 || alen >= sizeof a || strchr(sp + 1, ' ') != NULL)
        return false;
    memcpy(a, in, alen);
    a[alen] = '\0';
    if (!contact_area(a, area) || !contact_phone(sp + 1))
        return false;
    snprintf(phone, 24, "%s", sp + 1);
    return true;
}

void contact_phone_recipient(const char *area, const char *phone, char out[CONTACT_MAX])
{
    snprintf(out, CONTACT_MAX, "%s %s", area, phone);
}

const char *contact_login_check(int type, const char *login_name, const char **phone_area)
{
    char buf[CONTACT_MAX];
    if ((type == 1 && !contact_email(login_name, buf)) ||
        (type == 2 && !contact_phone(login_name)) ||
        (type == 3 && !contact_customer_no(login_name)))
        return "loginName";
    if (type == 2 && *phone_area != NULL && !contact_area(*phone_area, buf))
        return "phoneArea";
    if (type != 2)
        *phone_area = NULL;
    return NULL;
}

const char *contact_login_recipient(int type, const char *login_name, const char *phone_area,
                                    char rcpt[CONTACT_MAX], char area[8])
{
    if (type == 1)
        return contact_email(login_name, rcpt) ? NULL : "loginName";
    if (!contact_phone(login_name))
        return "loginName";
    if (!contact_area(phone_area != NULL ? phone_area : "+86", area))
        return "phoneArea";
    contact_phone_recipient(area, login_name, rcpt);
    return NULL;
}
