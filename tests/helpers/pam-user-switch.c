/* tests/helpers/pam-user-switch: one PAM handle whose PAM_USER changes between account calls, as
 * when an earlier module or the host rewrites it (A23): the module must read it again each time.
 *   pam-user-switch SERVICE START USER...  → pam_start(SERVICE, START); then for each USER:
 *   pam_set_item(PAM_USER, USER), pam_acct_mgmt(), and print "USER RC" (RC: the PAM return code).
 *   Exits 0 if every step ran (whatever the module answered), 2 on bad usage or a PAM setup error. */
#include <security/pam_appl.h>
#include <stdio.h>

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
        (void)n, (void)msg, (void)data;
        *resp = NULL;
        return PAM_CONV_ERR; /* no prompts expected; info lines are dropped */
}

int main(int argc, char *argv[])
{
        struct pam_conv c = {conv, NULL};
        pam_handle_t *h = NULL;

        if (argc < 4)
                return 2;
        if (pam_start(argv[1], argv[2], &c, &h) != PAM_SUCCESS)
                return 2;
        for (int i = 3; i < argc; i++) {
                if (pam_set_item(h, PAM_USER, argv[i]) != PAM_SUCCESS) {
                        pam_end(h, PAM_SYSTEM_ERR);
                        return 2;
                }
                printf("%s %d\n", argv[i], pam_acct_mgmt(h, PAM_SILENT));
                fflush(stdout);
        }
        pam_end(h, PAM_SUCCESS);
        return 0;
}
