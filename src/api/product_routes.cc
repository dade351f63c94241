// The product API beside the seed's contract: one adder per resource family.
#include "api/api.h"

namespace sphere::api {

void AddPlepRoutes(Router& router);
void AddCreatorRoutes(Router& router);
void AddMarketRoutes(Router& router);
void AddDraftRoutes(Router& router);
void AddAdminRoutes(Router& router);
void AddAlertRoutes(Router& router);

void AddProductRoutes(Router& router) {
  AddPlepRoutes(router);
  AddCreatorRoutes(router);
  AddMarketRoutes(router);
  AddDraftRoutes(router);
  AddAdminRoutes(router);
  AddAlertRoutes(router);
}

}  // namespace sphere::api
