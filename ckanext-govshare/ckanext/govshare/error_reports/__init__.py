"""Error reports from the public (纠错, issue 16 §1): a kind of application
(``error_report``) that follows the one workflow of :mod:`..applications`."""
