/* Duration parsing and formatting, shared by jitd, jitctl and the module. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "duration.h"
#include "jit-limits.h"

int jit_parse_duration(const char *s, uint64_t *ret_usec)
{
        static const struct {
                char unit;
                uint64_t usec;
        } units[] = {
            {'s', 1000000ULL},
            {'m', 60000000ULL},
            {'h', 3600000000ULL},
            {'d', 86400000000ULL},
        };
        uint64_t total = 0;
        bool any = false;

        if (!s || !*s || strlen(s) > 32)
                return -EINVAL;

        while (*s) {
                uint64_t v = 0, mult = 1000000ULL;
                size_t digits = 0;

                for (; *s >= '0' && *s <= '9'; s++, digits++) {
                        if (digits >= 12) /* 10^12 s is far past the limit; stop before overflow */
                                return -ERANGE;
                        v = v * 10 + (uint64_t)(*s - '0');
                }
                if (digits == 0)
                        return -EINVAL;
                if (*s) {
                        size_t i;
                        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                                if (units[i].unit == *s)
                                        break;
                        if (i == sizeof(units) / sizeof(units[0]))
                                return -EINVAL;
                        mult = units[i].usec;
                        s++;
                } else if (any)
                        return -EINVAL; /* "1h30" is ambiguous */
                total += v * mult;
                if (total > JIT_MAX_DURATION_USEC)
                        return -ERANGE;
                any = true;
        }
        if (total == 0)
                return -ERANGE;
        *ret_usec = total;
        return 0;
}

char *jit_format_duration(uint64_t usec, char *buf, size_t n)
{
        uint64_t s = usec / 1000000ULL, d = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
        size_t o = 0;

        buf[0] = '\0';
        if (d)
                o += (size_t)snprintf(buf + o, n - o, "%llud", (unsigned long long)d);
        if (h && o < n)
                o += (size_t)snprintf(buf + o, n - o, "%lluh", (unsigned long long)h);
        if (m && o < n)
                o += (size_t)snprintf(buf + o, n - o, "%llum", (unsigned long long)m);
        if ((sec || o == 0) && o < n)
                snprintf(buf + o, n - o, "%llus", (unsigned long long)sec);
        return buf;
}

char *jit_format_time(uint64_t usec, char *buf, size_t n)
{
        time_t t = (time_t)(usec / 1000000ULL);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                snprintf(buf, n, "@%llu", (unsigned long long)(usec / 1000000ULL));
        return buf;
}

uint64_t jit_now_usec(int clock)
{
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000ULL;
}
